// Import job page: poll the status endpoint, move the progress bar, reload when the job ends.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = document.getElementById("import-bar");
  var phase = document.getElementById("import-phase");
  var count = document.getElementById("import-count");
  var url = box.getAttribute("data-status-url");
  var delay = 700;

  function show(s) {
    var total = s.total || Math.max(s.done, 1);
    bar.max = total;
    bar.value = Math.min(s.done, total);
    phase.textContent = count.getAttribute(s.phase === "importing" ? "data-importing" : "data-checking");
    count.textContent = s.done.toLocaleString() + " / " + (s.total ? s.total.toLocaleString() : "?");
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.finished) { window.location.reload(); return; }
        show(s);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, delay * 3); });
  }
  window.setTimeout(poll, delay);
}());
