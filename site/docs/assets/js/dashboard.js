/* 数据看板 (bureaus, the centre): GET /api/stats, drawn with Apache ECharts (vendored in
   assets/vendor/echarts, fetched by api.js on first use), each chart with its table and its xlsx
   (GET /api/stats/export?chart=…). The numbers come from the scheduled aggregation; the page
   says when they were taken (数据截至 HH:MM). */
(function () {
  "use strict";
  var root = document.getElementById("zjt-dashboard");
  if (!root) return;
  var api = window.ZJT;
  var el = api.el;
  var msgEl = root.querySelector(".zjt-msg");
  var asofEl = root.querySelector(".zjt-dashboard__asof");
  var kpisEl = root.querySelector(".zjt-kpis");
  var chartsEl = root.querySelector(".zjt-charts");
  var charts = [];

  function short(name, region) {
    var out = name.indexOf(region) === 0 ? name.slice(region.length) : name;
    return out || name;
  }

  function pct(a, b) { return b ? Math.round(a * 1000 / b) / 10 + "%" : "—"; }

  async function download(chart, name) {
    try {
      var resp = await fetch("/api/stats/export?chart=" + chart, { headers: { Authorization: "Bearer " + api.token() } });
      if (resp.status === 401) { api.goLogin(); return; }
      if (!resp.ok) { api.toast("导出失败，请稍后重试", "error"); return; }
      var blob = await resp.blob();
      var a = el("a", { href: URL.createObjectURL(blob), download: name + ".xlsx" });
      document.body.appendChild(a);
      a.click();
      a.remove();
    } catch (e) { api.toast("网络连接失败，请检查网络后重试", "error"); }
  }

  /* A chart card: title, the chart, its table (open on request) and the xlsx download. */
  function card(id, title, headers, rows, option) {
    var sec = el("section", { "class": "zjt-chart", "data-chart": id });
    var head = el("div", { "class": "zjt-chart__head" });
    head.appendChild(el("h2", null, title));
    var xl = el("button", { type: "button", "class": "md-button zjt-chart__xlsx" }, "下载 Excel");
    xl.addEventListener("click", function () { download(id, title); });
    head.appendChild(xl);
    sec.appendChild(head);
    var box = el("div", { "class": "zjt-chart__canvas", role: "img", "aria-label": title + "（图表，数据见下表）" });
    sec.appendChild(box);
    var det = el("details", { "class": "zjt-chart__table" });
    det.appendChild(el("summary", null, "数据表（" + rows.length + " 行）"));
    var wrap = el("div", { "class": "zjt-scroll" });
    wrap.appendChild(api.dataTable(headers, rows));
    det.appendChild(wrap);
    sec.appendChild(det);
    chartsEl.appendChild(sec);
    if (!rows.length) { box.appendChild(el("p", { "class": "zjt-muted" }, "暂无数据")); return; }
    charts.push({ box: box, option: option });
  }

  function bars(names, series, horizontal) {
    var cat = { type: "category", data: names, axisLabel: { interval: 0, width: 90, overflow: "truncate" } };
    var val = { type: "value" };
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: horizontal ? 96 : 40, right: 16, top: 36, bottom: horizontal ? 24 : 60, containLabel: false },
      xAxis: horizontal ? val : Object.assign({}, cat, { axisLabel: { interval: 0, rotate: 40, width: 80, overflow: "truncate" } }),
      yAxis: horizontal ? Object.assign({}, cat, { inverse: true }) : val,
      series: series.map(function (s) { return { type: "bar", stack: s.stack, name: s.name, data: s.data }; })
    };
  }

  function render(v) {
    kpisEl.textContent = "";
    chartsEl.textContent = "";
    charts = [];
    var sum = v.summary;
    var t = v.term;
    var lab = v.labels;
    var child = { province: "地区", city: "地区", county: "学校" }[(v.rows[0] || {}).level === "school" ? "county" : "city"] || "地区";
    if (sum) {
      api.kpi(kpisEl, "教师", sum.teachers);
      api.kpi(kpisEl, "已选课教师", sum.selected, "选课率 " + pct(sum.selected, sum.teachers));
      api.kpi(kpisEl, "待学校审核", sum.selections.pending || 0);
      api.kpi(kpisEl, "待机构复核", sum.selections.school_approved || 0);
    }
    if (t) {
      api.kpi(kpisEl, "班期名额", t.capacity, "已选 " + t.held + "，满员率 " + pct(t.held, t.capacity));
      api.kpi(kpisEl, "满员班期", t.full, "候补 " + t.waitlist + " 人");
    }
    var asOf = (sum && sum.as_of) || (t && t.as_of);
    asofEl.textContent = asOf ? "数据截至 " + api.dayTime(asOf) + "（每隔几分钟更新）" : "统计数据尚未生成，请稍后再看。";

    // Schools and counties repeat their region's name; the chart labels drop it.
    var names = v.rows.map(function (r) { return short(r.name, v.region_name); });
    card("progress", "选课进度", [child, "教师数", "已选课教师", "未选课教师", "选课率"],
      v.rows.map(function (r) { return [r.name, r.teachers, r.selected, Math.max(0, r.teachers - r.selected), pct(r.selected, r.teachers)]; }),
      bars(names, [
        { name: "已选课", stack: "t", data: v.rows.map(function (r) { return r.selected; }) },
        { name: "未选课", stack: "t", data: v.rows.map(function (r) { return Math.max(0, r.teachers - r.selected); }) }
      ], true));

    var selKeys = ["pending", "school_approved", "confirmed", "waitlisted", "school_rejected", "recheck_rejected"];
    card("backlog", "选课审核进度", [child].concat(selKeys.map(function (k) { return lab.selections[k]; })),
      v.rows.map(function (r) { return [r.name].concat(selKeys.map(function (k) { return r.selections[k] || 0; })); }),
      bars(names, selKeys.map(function (k) {
        return { name: lab.selections[k], stack: "s", data: v.rows.map(function (r) { return r.selections[k] || 0; }) };
      }), true));

    if (t) {
      var full = t.top_full || [];
      card("full", "满员班期与候补需求", ["项目", "班期", "培训机构", "名额", "已选", "候补"],
        full.map(function (f) { return [f.project_title, f.class_name, f.institution_name, f.capacity, f.held, f.waitlist]; }),
        bars(full.map(function (f) { return f.project_title + " " + f.class_name; }), [
          { name: "候补人数", data: full.map(function (f) { return f.waitlist; }) }
        ], true));
      var pKeys = Object.keys(lab.projects);
      card("projects", "项目申报状态", ["状态", "项目数"],
        pKeys.map(function (k) { return [lab.projects[k], t.projects[k] || 0]; }),
        bars(pKeys.map(function (k) { return lab.projects[k]; }), [
          { name: "项目数", data: pKeys.map(function (k) { return t.projects[k] || 0; }) }
        ], false));
    }
    var oKeys = Object.keys(lab.orders);
    card("orders", "订单式培训进度", [child].concat(oKeys.map(function (k) { return lab.orders[k]; })),
      v.rows.map(function (r) { return [r.name].concat(oKeys.map(function (k) { return (r.orders || {})[k] || 0; })); }),
      bars(names, oKeys.map(function (k) {
        return { name: lab.orders[k], stack: "o", data: v.rows.map(function (r) { return (r.orders || {})[k] || 0; }) };
      }), true));
  }

  async function draw() {
    if (!charts.length) return;
    var echarts;
    try { echarts = await api.loadECharts(); } catch (e) { api.toast("图表组件加载失败，数据见各图下方的数据表", "error"); return; }
    charts.forEach(function (c) {
      var rows = (c.option.yAxis && c.option.yAxis.data) ? c.option.yAxis.data.length : 6;
      c.box.style.height = Math.max(220, Math.min(900, 60 + rows * 28)) + "px";
      var chart = echarts.init(c.box, null, { renderer: "canvas" });
      chart.setOption(c.option);
      c.chart = chart;
    });
  }

  async function load() {
    if (api.needLogin(msgEl, "（教育局或省培训中心账号）。")) return;
    try {
      var v = (await api.request("GET", "/stats")).data;
      msgEl.textContent = v.region_name + "：";
      msgEl.appendChild(document.createTextNode(v.rows.length ? "共 " + v.rows.length + " 个" + (v.rows[0].level === "school" ? "学校" : "地区") + "。" : "暂无下级数据。"));
      render(v);
      await draw();
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msgEl.textContent = e.message;
    }
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { if (c.chart) c.chart.resize(); }); });
  load();
})();
