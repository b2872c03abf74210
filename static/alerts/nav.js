/* The open-alert count next to the "Alerts" link on every page: polls a cheap count endpoint. */
(function () {
  "use strict";
  var me = document.currentScript;
  var url = me.dataset.countUrl, board = me.dataset.boardUrl, label = me.dataset.label;
  var INTERVAL = 20000;
  // the count is read with the link ("Alerts, 3 open alerts"): the number, then a hidden word for it (an
  // aria-label on the badge would replace the number)
  function counter(cls) {
    var b = document.createElement("span");
    b.className = cls;
    b.appendChild(document.createElement("span")).className = "n";
    var words = b.appendChild(document.createElement("span"));
    words.className = "visually-hidden";
    words.textContent = " " + label;
    return b;
  }
  function paint(b, data) {
    b.querySelector(".n").textContent = String(data.open);
    b.hidden = data.open === 0;
    b.classList.toggle("critical", data.critical_open > 0);
  }
  function badge() {
    var link = document.querySelector('.nav a[href="' + board + '"]');
    if (!link) return null;
    var b = link.querySelector(".nav-count");
    if (!b) {
      link.appendChild(document.createTextNode(" "));
      b = link.appendChild(counter("nav-count"));
    }
    return b;
  }
  var lastCritical = null, audio = null;
  function chime() {
    // the board plays its own sound; elsewhere, once per rise in critical alerts, if the user turned sound on
    if (document.getElementById("alert-rows") || localStorage.getItem("alerts.sound") !== "1") return;
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    try {
      audio = audio || new Ctx();
      var osc = audio.createOscillator(), gain = audio.createGain(), t = audio.currentTime;
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, t);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.4);
      osc.connect(gain).connect(audio.destination);
      osc.start(t);
      osc.stop(t + 0.45);
    } catch (e) { /* no audio device: the red badge still shows */ }
  }
  function show(data) {
    if (lastCritical !== null && data.critical_open > lastCritical) chime();
    lastCritical = data.critical_open;
    var b = badge();
    if (!b) return;
    paint(b, data);
    // phones: the menu is folded away, so the menu button carries the count too ("Menu, 3 open alerts")
    var menu = document.querySelector(".nav-button");
    if (menu) paint(menu.querySelector(".nav-count") || menu.appendChild(counter("nav-count menu-count")), data);
    document.dispatchEvent(new CustomEvent("alerts:count", { detail: data }));
  }
  var timer = null;
  function poll() {
    if (document.hidden) { timer = setTimeout(poll, INTERVAL); return; }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { show(data); timer = setTimeout(poll, INTERVAL); })
      .catch(function () { timer = setTimeout(poll, INTERVAL * 3); });
  }
  document.addEventListener("alerts:feed", function (e) { show(e.detail); });
  poll();
})();
