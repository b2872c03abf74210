/* Camera scanning, loaded only when the camera button is tapped. Uses the browser's BarcodeDetector
 * where it exists; otherwise loads the vendored ZXing library (static/vendor/zxing-library). */
(function () {
  "use strict";
  var FORMATS = ["code_128", "qr_code", "code_39", "ean_13", "data_matrix"];

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      if (window.ZXing) return resolve(window.ZXing);
      var s = document.createElement("script");
      s.src = url; s.onload = function () { resolve(window.ZXing); }; s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  function start(video, zxingUrl, onCode) {
    var last = "", lastAt = 0, stopped = false, stream = null, zxingReader = null;
    function seen(text) {
      var now = Date.now();
      // a code held in front of the camera is read many times a second: count it once per 2 s
      if (text === last && now - lastAt < 2000) return;
      last = text; lastAt = now; onCode(text);
    }
    return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s; video.srcObject = s; return video.play();
      })
      .then(function () {
        if ("BarcodeDetector" in window) {
          var detector = new window.BarcodeDetector({ formats: FORMATS });
          (function loop() {
            if (stopped) return;
            detector.detect(video).then(function (codes) {
              if (codes.length) seen(codes[0].rawValue);
            }, function () { /* a frame that fails to decode */ }).then(function () { setTimeout(loop, 120); });
          })();
          return null;
        }
        return loadScript(zxingUrl).then(function (ZX) {
          zxingReader = new ZX.BrowserMultiFormatReader();
          zxingReader.decodeFromVideoElementContinuously(video, function (result) {
            if (result && !stopped) seen(result.getText());
          });
        });
      })
      .then(function () {
        return {
          stop: function () {
            stopped = true;
            if (zxingReader) zxingReader.reset();
            if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
          }
        };
      });
  }

  window.CustodyCamera = { start: start };
})();
