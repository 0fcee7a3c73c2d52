/* Shared by the quality pages (满意度测评结果, 培训质量报表, the review page's panel): a chart
   (ECharts, loaded by api.js on first use) with its table, and a class's or institution's
   question results (averages and the 1–5 distribution). Plain ES2017. */
(function () {
  "use strict";
  var api = window.ZJT, el = api.el;
  var SCALE = ["很不满意", "不满意", "一般", "满意", "很满意"];
  var COLORS = ["#c0392b", "#e67e22", "#9e9e9e", "#5c6bc0", "#1e7d32"];

  /* An ECharts chart in `box` (its label for screen readers; the data are in a table too). */
  function chart(box, label, height, option) {
    var c = el("div", { "class": "zjt-chart__canvas", role: "img", "aria-label": label + "（图表，数据见下表）" });
    c.style.height = height + "px";
    box.appendChild(c);
    api.loadECharts().then(function (echarts) {
      var inst = echarts.init(c);
      inst.setOption(option);
      window.addEventListener("resize", function () { inst.resize(); });
    }, function () { c.appendChild(el("p", { "class": "zjt-muted" }, "图表加载失败，数据见下表。")); });
  }

  function table(box, label, headers, rows) {
    var wrap = el("div", { "class": "zjt-scroll", tabindex: "0", role: "region", "aria-label": label });
    var t = api.dataTable(headers, rows);
    wrap.appendChild(t);
    box.appendChild(wrap);
    return t;
  }

  /* Averages and the distribution of each question, as a chart and a table. */
  function questions(box, qs, label) {
    var names = qs.map(function (q) { return q.name; });
    chart(box, label, 60 + 42 * qs.length, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 84, right: 16, top: 32, bottom: 20 },
      xAxis: { type: "value", max: function (v) { return v.max; } },
      yAxis: { type: "category", data: names, inverse: true },
      series: SCALE.map(function (s, i) {
        return { type: "bar", stack: "d", name: s, itemStyle: { color: COLORS[i] }, data: qs.map(function (q) { return q.distribution[i]; }) };
      })
    });
    table(box, label + "数据表", ["项目", "平均分"].concat(SCALE), qs.map(function (q) {
      return [q.name, q.average.toFixed(2)].concat(q.distribution);
    }));
  }

  window.ZJTQuality = { chart: chart, table: table, questions: questions };
})();
