/* The open-alert count next to the "Alerts" link on every page: polls a cheap count endpoint. */
(function () {
  "use strict";
  var me = document.currentScript;
  var url = me.dataset.countUrl, board = me.dataset.boardUrl, label = me.dataset.label;
  var INTERVAL = 20000;
  function badge() {
    var link = document.querySelector('.nav a[href="' + board + '"]');
    if (!link) return null;
    var b = link.querySelector(".nav-count");
    if (!b) {
      b = document.createElement("span");
      b.className = "nav-count";
      b.setAttribute("aria-label", label);
      link.appendChild(document.createTextNode(" "));
      link.appendChild(b);
    }
    return b;
  }
  function show(data) {
    var b = badge();
    if (!b) return;
    b.textContent = String(data.open);
    b.hidden = data.open === 0;
    b.classList.toggle("critical", data.critical_open > 0);
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
