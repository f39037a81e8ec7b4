// Kaval watch floor: draws a dashboard's chart from the table under it
// (the table is the data and the accessible fallback; no data reaches
// the page twice). Charts are ECharts (vendored), drawn on a canvas with
// tooltips rendered inside it, so nothing needs inline style or script.
(function () {
  "use strict";
  function cellValue(td) {
    var v = td.getAttribute("data-v");
    return v === null || v === "" ? null : Number(v);
  }
  function draw(el) {
    var table = document.getElementById(el.getAttribute("data-table"));
    if (!table || !window.echarts) return;
    var names = [];
    table.querySelectorAll("thead th[data-series]").forEach(function (th) { names.push(th.textContent.trim()); });
    var labels = [], cols = names.map(function () { return []; });
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      labels.push(tr.querySelector("th").textContent.trim());
      var tds = tr.querySelectorAll("td[data-v]");
      for (var i = 0; i < names.length; i++) cols[i].push(tds[i] ? cellValue(tds[i]) : null);
    });
    var index = el.getAttribute("data-chart") === "index";
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      aria: { enabled: true },
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: names.length > 1 ? { type: "scroll", top: 0 } : undefined,
      grid: { left: 48, right: 16, top: names.length > 1 ? 36 : 16, bottom: 32 },
      xAxis: { type: "category", data: labels, boundaryGap: false },
      yAxis: index ? { type: "value", min: -100, max: 100 } : { type: "value", minInterval: 1 },
      series: names.map(function (n, i) {
        return { name: n, type: "line", data: cols[i], showSymbol: false, connectNulls: false,
          markLine: index ? { silent: true, symbol: "none", data: [{ yAxis: 0 }] } : undefined };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function start() { document.querySelectorAll("[data-chart]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
