// The work-in-progress board's small charts: pages and images per day, per operator and per device (uPlot).
(function () {
  "use strict";
  var box = document.getElementById("output-charts");
  if (!box || typeof uPlot === "undefined") return;
  function chart(title, series, days) {
    if (!series.length) return;
    var heading = document.createElement("h3");
    heading.textContent = title;
    box.appendChild(heading);
    var xs = days.map(function (d) { return Date.parse(d + "T00:00:00Z") / 1000; });
    var data = [xs].concat(series.map(function (s) { return s.per_day; }));
    var palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
    var opts = {
      width: Math.min(box.clientWidth || 600, 720), height: 180,
      series: [{}].concat(series.map(function (s, i) {
        return { label: s.code ? s.code + " " + s.name : s.name, stroke: palette[i % palette.length], width: 2 };
      })),
      axes: [{}, {}],
    };
    var holder = document.createElement("div");
    box.appendChild(holder);
    new uPlot(opts, data, holder);
  }
  fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (out) {
      if (!out) return;
      chart(box.dataset.operators, out.operators, out.days);
      chart(box.dataset.devices, out.devices, out.days);
    });
})();
