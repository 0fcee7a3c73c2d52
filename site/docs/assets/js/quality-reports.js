/* 培训质量报表 (bureaus, the centre, the monitor): GET /api/quality/reports (a term and a region
   within the caller's: completion rate, credits posted, non-completion, check-ins and
   satisfaction, by county and by institution) as figures, charts with their tables, and xlsx. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-reports");
  if (!root) return;
  var api = window.ZJT, el = api.el, Q = window.ZJTQuality, T = window.ZJTTrain;
  var msg = root.querySelector(".zjt-msg");
  var box = root.querySelector(".zjt-report");
  var trail = [];

  function pct(v) { return v === null || v === undefined ? "—" : v + "%"; }
  function rowsOf(rows) {
    return rows.map(function (r) {
      return [r.name, r.confirmed, r.checked_in, r.passed, r.failed, pct(r.completion_rate), r.credits, r.overall === null ? "—" : r.overall.toFixed(2) + "（" + r.answers + "人）"];
    });
  }
  var HEAD = ["已确认学员", "报到", "合格", "不合格", "完成率", "登记学分", "总体满意度"];

  function section(title, rows, first, short, onPick) {
    var sec = el("section", { "class": "zjt-chart" });
    var head = el("div", { "class": "zjt-chart__head" });
    head.appendChild(el("h2", null, title));
    sec.appendChild(head);
    if (!rows.length) { sec.appendChild(el("p", { "class": "zjt-muted" }, "暂无数据")); box.appendChild(sec); return; }
    var names = rows.map(function (r) { return short(r.name); });
    Q.chart(sec, title, 60 + 30 * rows.length, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 96, right: 16, top: 32, bottom: 20 },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: names, inverse: true, axisLabel: { width: 88, overflow: "truncate" } },
      series: [
        { type: "bar", stack: "p", name: "合格", itemStyle: { color: "#1e7d32" }, data: rows.map(function (r) { return r.passed; }) },
        { type: "bar", stack: "p", name: "不合格", itemStyle: { color: "#c0392b" }, data: rows.map(function (r) { return r.failed; }) },
        { type: "bar", stack: "p", name: "待认定", itemStyle: { color: "#9e9e9e" }, data: rows.map(function (r) { return Math.max(0, r.confirmed - r.passed - r.failed); }) }
      ]
    });
    var t = Q.table(sec, title + "数据表", [first].concat(HEAD), rowsOf(rows));
    if (onPick) {
      Array.prototype.forEach.call(t.querySelectorAll("tbody tr"), function (tr, i) {
        var cell = tr.firstChild;
        var b = el("button", { type: "button", "class": "zjt-linkbutton" }, rows[i].name);
        b.addEventListener("click", function () { onPick(rows[i]); });
        cell.textContent = "";
        cell.appendChild(b);
      });
    }
    box.appendChild(sec);
  }

  function render(v, q) {
    box.textContent = "";
    if (trail.length > 1) {
      var back = el("button", { type: "button", "class": "md-button" }, "返回上一级");
      back.addEventListener("click", function () { trail.pop(); open(trail.pop()); });
      box.appendChild(back);
    }
    box.appendChild(el("p", null, v.region_name + " · " + v.term_name));
    var s = v.summary;
    var kpis = el("div", { "class": "zjt-kpis" });
    if (s) {
      api.kpi(kpis, "已结束班期学员", s.confirmed, "报到 " + s.checked_in + " 人");
      api.kpi(kpis, "完成率", pct(s.completion_rate), "合格 " + s.passed + " 人");
      api.kpi(kpis, "未完成培训", s.failed, "已认定 " + s.decided + " 人");
      api.kpi(kpis, "登记学分", s.credits, s.overall === null ? "暂无满意度" : "满意度 " + s.overall.toFixed(2));
    }
    box.appendChild(kpis);
    box.appendChild(el("p", { "class": "zjt-muted" }, v.as_of ? "数据截至 " + api.dayTime(v.as_of) + "（每隔几分钟汇总一次）" : "报表尚未汇总，请稍后再看。"));
    var xl = el("button", { type: "button", "class": "md-button" }, "下载 Excel");
    xl.addEventListener("click", async function () {
      try { await T.download("/quality/reports/export" + q, v.region_name + v.term_name + "培训质量报表.xlsx"); } catch (e) { api.toast(e.message, "error"); }
    });
    box.appendChild(el("p")).appendChild(xl);
    var short = function (n) { return n.replace(v.region_name, "") || n; };
    if (v.by_region.length) {
      section(v.level === "province" ? "各市" : "各县（市、区）", v.by_region, "地区", short, function (r) { open(r.code); });
    }
    section("各培训机构", v.by_institution, "培训机构", function (n) { return n; }, null);
  }

  async function open(region) {
    var q = region ? "?region=" + region : "";
    try {
      var res = await api.request("GET", "/quality/reports" + q);
      trail.push(region);
      render(res.data, q);
      msg.textContent = "";
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msg.textContent = e.message;
    }
  }

  if (!api.needLogin(msg, "后查看培训质量报表。")) open(null);
})();
