/* 培训档案, printable (teacher): GET /api/credits/archive/view — every credit cycle with its
   entries and totals, then every completion decision; the print style keeps only the record. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-archive");
  if (!root) return;
  var api = window.ZJT, el = api.el;
  var msg = root.querySelector(".zjt-msg");
  var doc = root.querySelector(".zjt-archive__doc");
  root.querySelector(".zjt-print").addEventListener("click", function () { window.print(); });

  function yday(iso) { return String(iso).slice(0, 4) + "年" + api.day(iso); }
  function term(t) { return t.slice(0, 4) + "年" + (t.slice(-1) === "1" ? "上" : "下") + "半年"; }

  function table(headers, rows) {
    var wrap = el("div", { "class": "zjt-scroll", tabindex: "0", role: "region", "aria-label": headers.join("、") });
    wrap.appendChild(api.dataTable(headers, rows));
    return wrap;
  }

  function render(a) {
    doc.textContent = "";
    doc.appendChild(el("p", null, a.teacher_name + " · " + a.school_name + " · 生成于 " + api.dayTime(a.generated_at)));
    if (!a.cycles.length) doc.appendChild(el("p", null, "还没有登记学分。"));
    a.cycles.forEach(function (c) {
      doc.appendChild(el("h2", null, c.cycle.name + "：" + c.totals.total + " / " + c.cycle.required + " 学分"));
      doc.appendChild(el("p", { "class": "zjt-muted" }, "线下 " + c.totals.offline + "，线上 " + c.totals.online + "，其中校本研修 " + c.totals.school_based));
      doc.appendChild(table(["日期", "类别", "内容", "培训机构/学校", "学分", "说明"], c.entries.map(function (e) {
        return [yday(e.on), e.source_text, e.title, e.institution_name || e.school_name, e.credits_total, e.note];
      })));
    });
    doc.appendChild(el("h2", null, "结业记录"));
    if (!a.completions.length) doc.appendChild(el("p", null, "还没有结业记录。"));
    else doc.appendChild(table(["学期", "培训项目", "培训机构", "结果", "学分", "认定日期", "证书编号"], a.completions.map(function (c) {
      return [term(c.term), "《" + c.project_title + "》" + c.class_name, c.institution_name, c.outcome_text + (c.reason ? "（" + c.reason + "）" : ""),
        c.credits, yday(c.decided_on), c.certificate];
    })));
    doc.hidden = false;
  }

  async function load() {
    if (api.needLogin(msg, "后查看培训档案。")) return;
    try {
      var res = await api.request("GET", "/credits/archive/view");
      render(res.data);
      msg.textContent = "";
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msg.textContent = e.message;
    }
  }
  load();
})();
