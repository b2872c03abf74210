/* The alert board: charts (uPlot, vendored), live rows by polling "anything new since", a sound for
   critical alerts (Web Audio, after one click: browsers allow sound only after a user gesture),
   select-all, and a wall-screen mode. */
(function () {
  "use strict";
  var tbody = document.getElementById("alert-rows");
  var status = document.getElementById("live-status");
  var soundBtn = document.getElementById("sound-toggle");
  var wallBtn = document.getElementById("wall-toggle");
  var POLL = Number(tbody.dataset.interval || 5000);
  var audio = null;

  /* ---- sound ---- */
  function soundOn() { return localStorage.getItem("alerts.sound") === "1"; }
  function paintSound() {
    var on = soundOn();
    soundBtn.setAttribute("aria-pressed", on ? "true" : "false");  // the name stays; the state is this
  }
  function beep() {
    if (!soundOn()) return;
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    audio = audio || new Ctx();
    var t = audio.currentTime;
    [0, 0.35, 0.7].forEach(function (d) {
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "square";
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, t + d);
      gain.gain.exponentialRampToValueAtTime(0.25, t + d + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + d + 0.25);
      osc.connect(gain).connect(audio.destination);
      osc.start(t + d);
      osc.stop(t + d + 0.3);
    });
    document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
  }
  soundBtn.addEventListener("click", function () {
    localStorage.setItem("alerts.sound", soundOn() ? "0" : "1");
    paintSound();
    if (soundOn()) beep();  // the click unlocks audio, and lets the supervisor hear what it sounds like
  });
  paintSound();

  /* ---- wall screen ---- */
  function paintWall() {
    var on = localStorage.getItem("alerts.wall") === "1";
    document.body.classList.toggle("wall", on);
    wallBtn.setAttribute("aria-pressed", on ? "true" : "false");
  }
  wallBtn.addEventListener("click", function () {
    localStorage.setItem("alerts.wall", localStorage.getItem("alerts.wall") === "1" ? "0" : "1");
    paintWall();
  });
  if (new URLSearchParams(location.search).get("wall") === "1") localStorage.setItem("alerts.wall", "1");
  paintWall();

  /* ---- select all ---- */
  var all = document.getElementById("pick-all");
  if (all) all.addEventListener("change", function () {
    tbody.querySelectorAll('input[name="ids"]').forEach(function (c) { c.checked = all.checked; });
  });

  /* ---- live rows ---- */
  var latest = Number(tbody.dataset.latest || 0);
  var fresh = 0;
  function poll() {
    if (document.hidden) { setTimeout(poll, POLL); return; }
    var sep = tbody.dataset.feed.indexOf("?") < 0 ? "?" : "&";
    // the rows on screen with the status they show: the feed answers those changed elsewhere meanwhile
    var shown = Array.prototype.slice.call(tbody.querySelectorAll("tr.alert-row"), 0, 200).map(function (tr) {
      return tr.dataset.id + ":" + tr.dataset.status;
    }).join(",");
    fetch(tbody.dataset.feed + sep + "after=" + latest + "&shown=" + encodeURIComponent(shown),
          { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        Object.keys(data.counts || {}).forEach(function (s) {  // the per-status badges, under this board's filters
          var badge = document.querySelector('[data-count="' + s + '"]');
          if (badge) badge.textContent = String(data.counts[s]);
        });
        Object.keys(data.changed || {}).forEach(function (id) {
          var row = tbody.querySelector('tr.alert-row[data-id="' + id + '"]');
          if (!row) return;
          var picked = row.querySelector('input[name="ids"]:checked');
          row.insertAdjacentHTML("afterend", data.changed[id]);
          var now = row.nextElementSibling;
          row.remove();
          now.classList.add("fresh");
          var box = now.querySelector('input[name="ids"]');
          if (picked && box) box.checked = true;  // a tick the supervisor set stays set
        });
        if (data.rows_html && data.new > 0) {
          var empty = tbody.querySelector(".no-rows");
          if (empty) empty.remove();
          tbody.insertAdjacentHTML("afterbegin", data.rows_html);
          fresh += data.new;
          status.textContent = tbody.dataset.newText.replace("__N__", fresh);
          if (data.new_critical > 0) beep();
        }
        latest = Math.max(latest, data.latest_id);
        document.dispatchEvent(new CustomEvent("alerts:feed", { detail: data }));
        setTimeout(poll, POLL);
      })
      .catch(function () { setTimeout(poll, POLL * 4); });
  }
  setTimeout(poll, POLL);

  /* ---- charts ---- */
  var charts = document.querySelector(".charts");
  if (!window.uPlot || !charts) return;
  function width(el) { return Math.max(200, el.clientWidth - 4); }
  function height() { return window.innerWidth < 640 ? 130 : 180; }
  function $(id) { return document.getElementById(id); }
  var lang = document.documentElement.lang || undefined;
  function table(box, heads, times, columns, dateOnly) {
    if (!box) return;
    var some = columns.some(function (col) { return col.some(function (v) { return v !== null && v !== undefined; }); });
    if (!times || !times.length || !some) { box.textContent = charts.dataset.empty; return; }
    var t = document.createElement("table"), tr = t.createTHead().insertRow();
    heads.forEach(function (h) { var th = document.createElement("th"); th.scope = "col"; th.textContent = h; tr.appendChild(th); });
    var body = t.createTBody();
    times.forEach(function (when, i) {
      var row = body.insertRow(), d = new Date(when * 1000);
      var th = document.createElement("th"); th.scope = "row";
      th.textContent = dateOnly ? d.toLocaleDateString(lang) : d.toLocaleString(lang, { dateStyle: "short", timeStyle: "short" });
      row.appendChild(th);
      columns.forEach(function (col) { var v = col[i]; row.insertCell().textContent = v === null || v === undefined ? "—" : String(v); });
    });
    box.textContent = "";
    box.appendChild(t);
  }
  function draw(data) {
    var outEl = document.getElementById("chart-out"), nightsEl = document.getElementById("chart-nights");
    var made = [];
    // a chart with nothing to draw says so (a fresh site has no nights yet), not an empty frame
    function empty(el, values) {
      if (values && values.some(function (v) { return v !== null && v !== undefined; })) return false;
      var p = document.createElement("p"); p.className = "chart-empty"; p.textContent = charts.dataset.empty;
      el.textContent = ""; el.appendChild(p); return true;
    }
    if (empty(outEl, data.out.n)) made.push(null); else made.push(new uPlot({
      width: width(outEl), height: height(), legend: { show: false },
      scales: { x: { time: true } },
      series: [{}, { label: charts.dataset.seriesOut, stroke: "#b36b00", fill: "rgba(179,107,0,.15)", width: 2 }],
      axes: [{}, { size: 40 }]
    }, [data.out.t, data.out.n], outEl));
    if (empty(nightsEl, data.nights.unreturned)) made.push(null); else made.push(new uPlot({
      width: width(nightsEl), height: height(), legend: { show: false },
      scales: { x: { time: true } },
      series: [{},
        { label: charts.dataset.seriesUnreturned, stroke: "#b3261e", fill: "rgba(179,38,30,.18)", width: 2,
          paths: uPlot.paths.bars({ size: [0.7, 40] }), points: { show: false } },
        { label: charts.dataset.seriesLate, stroke: "#0b5cad", width: 2, points: { show: true } }],
      axes: [{}, { size: 40 }]
    }, [data.nights.t, data.nights.unreturned, data.nights.late], nightsEl));
    // the canvases say nothing to a screen reader: the figures are in a table under each chart
    made.forEach(function (u) { if (u) u.root.setAttribute("aria-hidden", "true"); });
    table($("table-out"), [charts.dataset.colWhen, charts.dataset.seriesOut], data.out.t, [data.out.n], false);
    table($("table-nights"), [charts.dataset.colNight, charts.dataset.seriesUnreturned, charts.dataset.seriesLate],
          data.nights.t, [data.nights.unreturned, data.nights.late], true);
    window.addEventListener("resize", function () {
      if (made[0]) made[0].setSize({ width: width(outEl), height: height() });
      if (made[1]) made[1].setSize({ width: width(nightsEl), height: height() });
    });
    charts.dataset.ready = "1";
  }
  fetch(charts.dataset.url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(draw)
    .catch(function () { charts.dataset.ready = "error"; });
})();
