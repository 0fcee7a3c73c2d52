/* Credit progress, shared by 学分管理 (school) and 学分进度 (bureau): a ProgressView (GET
   /api/credits/progress or /api/credits/progress/region) as figures, a list of teachers (those
   behind the pace first) or a table of schools/regions with an ECharts bar chart, and its xlsx.
   Plain ES2017; needs api.js, shell.js and training-common.js (download). */
(function () {
  "use strict";
  var api = window.ZJT, el = api.el;

  function bar(percent, behind, label) {
    var outer = el("div", { "class": "zjt-bar" + (behind ? " zjt-bar--behind" : ""), role: "progressbar",
      "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.round(percent)), "aria-label": label });
    var inner = el("div", { "class": "zjt-bar__fill" });
    inner.style.width = Math.max(0, Math.min(100, percent)) + "%";
    outer.appendChild(inner);
    return outer;
  }

  function pct(a, b) { return b ? Math.round(a * 1000 / b) / 10 + "%" : "—"; }

  function teacherList(box, v, showSchool) {
    var only = el("label", { "class": "zjt-field zjt-field--check" });
    var cb = el("input", { type: "checkbox", name: "behind" });
    only.appendChild(cb);
    only.appendChild(document.createTextNode("只看进度落后的教师"));
    box.appendChild(only);
    var ol = el("ol", { "class": "zjt-progress-list" });
    function draw() {
      ol.textContent = "";
      var rows = v.teachers.filter(function (t) { return !cb.checked || t.behind; });
      if (!rows.length) ol.appendChild(el("li", { "class": "zjt-muted" }, cb.checked ? "没有进度落后的教师。" : "没有在职教师。"));
      rows.forEach(function (t) {
        var li = el("li", { "data-teacher-id": t.teacher_id });
        var top = el("p", { "class": "zjt-ledger__top" });
        top.appendChild(el("span", null, t.name + (showSchool ? " · " + t.school_name : "")));
        top.appendChild(el("span", { "class": t.behind ? "zjt-status zjt-status--pending" : "" },
          t.total + " / " + t.required + (t.behind ? "（落后）" : "")));
        li.appendChild(top);
        li.appendChild(bar(t.percent, t.behind, t.name + "完成 " + t.percent + "%"));
        if (t.school_based) li.appendChild(el("p", { "class": "zjt-muted" }, "其中校本研修 " + t.school_based + " 学分"));
        ol.appendChild(li);
      });
    }
    cb.addEventListener("change", draw);
    draw();
    box.appendChild(ol);
  }

  function groupTable(box, v, onPick) {
    var first = { county: "学校", city: "县（市、区）", province: "市" }[v.level] || "地区";
    var wrap = el("div", { "class": "zjt-scroll", tabindex: "0", role: "region", "aria-label": first + "学分进度表" });
    var t = el("table", { "class": "zjt-progress-table" });
    var tr = el("tr");
    [first, "教师数", "进度落后", "落后比例", "已达周期要求", "人均学分"].forEach(function (h) { tr.appendChild(el("th", { scope: "col" }, h)); });
    var thead = el("thead");
    thead.appendChild(tr);
    t.appendChild(thead);
    var tb = el("tbody");
    v.groups.forEach(function (g) {
      var row = el("tr", { "data-code": g.code });
      var cell = el("td");
      if (onPick) {
        var b = el("button", { type: "button", "class": "zjt-linkbutton" }, g.name);
        b.addEventListener("click", function () { onPick(g); });
        cell.appendChild(b);
      } else cell.textContent = g.name;
      row.appendChild(cell);
      [g.teachers, g.behind, pct(g.behind, g.teachers), g.met, g.average].forEach(function (c) { row.appendChild(el("td", null, String(c))); });
      tb.appendChild(row);
    });
    t.appendChild(tb);
    wrap.appendChild(t);
    var chart = el("div", { "class": "zjt-chart__canvas", role: "img", "aria-label": first + "学分进度（图表，数据见下表）" });
    box.appendChild(chart);
    box.appendChild(wrap);
    if (!v.groups.length) { chart.appendChild(el("p", { "class": "zjt-muted" }, "暂无数据")); return; }
    var names = v.groups.map(function (g) { return g.name.replace(v.scope_name, "") || g.name; });
    chart.style.height = Math.max(220, 26 * v.groups.length + 60) + "px";
    api.loadECharts().then(function (echarts) {
      var c = echarts.init(chart);
      c.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 96, right: 16, top: 30, bottom: 24 },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: names, inverse: true, axisLabel: { width: 88, overflow: "truncate" } },
        series: [
          { type: "bar", stack: "t", name: "进度正常", itemStyle: { color: "#3f51b5" }, data: v.groups.map(function (g) { return g.teachers - g.behind; }) },
          { type: "bar", stack: "t", name: "进度落后", itemStyle: { color: "#b35900" }, data: v.groups.map(function (g) { return g.behind; }) }
        ]
      });
      window.addEventListener("resize", function () { c.resize(); });
    }, function () { chart.appendChild(el("p", { "class": "zjt-muted" }, "图表加载失败，数据见下表。")); });
  }

  /* Draw `v` into `box`; `exportQuery` is the query string of its xlsx; `onPick(group)` opens a
     school or region from the table. */
  function render(box, v, exportQuery, onPick) {
    box.textContent = "";
    var s = v.summary;
    var kpis = el("div", { "class": "zjt-kpis" });
    if (s) {
      api.kpi(kpis, "在职教师", s.teachers);
      api.kpi(kpis, "进度落后", s.behind, "占 " + pct(s.behind, s.teachers));
      api.kpi(kpis, "已达周期要求", s.met, v.cycle.required + " 学分");
      api.kpi(kpis, "人均学分", s.average);
    }
    box.appendChild(el("p", null, v.scope_name + " · " + v.cycle.name + " · 按周期进度，到今天应达 " + v.expected_by_now + " 学分"));
    box.appendChild(kpis);
    if (v.level !== "school") {
      box.appendChild(el("p", { "class": "zjt-muted" }, v.as_of ? "数据截至 " + api.dayTime(v.as_of) + "（每隔几分钟汇总一次）" : "学分进度尚未汇总，请稍后再看。"));
    }
    var xl = el("button", { type: "button", "class": "md-button zjt-progress-xlsx" }, "下载 Excel");
    xl.addEventListener("click", async function () {
      try { await window.ZJTTrain.download("/credits/progress/export?" + exportQuery, v.scope_name + "学分进度.xlsx"); }
      catch (e) { api.toast(e.message, "error"); }
    });
    box.appendChild(el("p")).appendChild(xl);
    if (v.teachers && v.teachers.length) teacherList(box, v, v.level !== "school");
    else if (v.level === "school") box.appendChild(el("p", { "class": "zjt-muted" }, "没有在职教师。"));
    else groupTable(box, v, onPick);
  }

  window.ZJTCredits = { render: render, bar: bar };
})();
