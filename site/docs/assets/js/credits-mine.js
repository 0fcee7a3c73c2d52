/* 我的学分 (teacher): GET /api/credits/mine (a cycle's entries and totals against its
   requirement, the pace, the school-based room), GET /api/credits/certificates, the 培训档案 as
   xlsx (GET /api/credits/archive) or printed (credits/archive/). */
(function () {
  "use strict";
  var root = document.getElementById("zjt-credits-mine");
  if (!root) return;
  var api = window.ZJT, el = api.el, T = window.ZJTTrain;
  var msg = root.querySelector(".zjt-msg");
  var cycleBox = root.querySelector(".zjt-credits__cycle");
  var summary = root.querySelector(".zjt-credits__summary");
  var actions = root.querySelector(".zjt-credits__actions");
  var certs = root.querySelector(".zjt-cert-list");
  var ledger = root.querySelector(".zjt-ledger");
  var pendingBox = root.querySelector(".zjt-credits__pending");

  function signed(n) { return (n > 0 ? "+" : "") + n; }
  /* A cycle spans five years: dates carry their year. */
  function yday(iso) { return String(iso).slice(0, 4) + "年" + api.day(iso); }

  function bar(percent, label) {
    var outer = el("div", { "class": "zjt-bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100",
      "aria-valuenow": String(Math.round(percent)), "aria-label": label });
    var inner = el("div", { "class": "zjt-bar__fill" });
    inner.style.width = Math.max(0, Math.min(100, percent)) + "%";
    outer.appendChild(inner);
    return outer;
  }

  function renderSummary(v) {
    summary.textContent = "";
    var t = v.totals;
    var head = el("p", { "class": "zjt-credits__total" });
    head.appendChild(el("strong", null, String(t.total)));
    head.appendChild(document.createTextNode(" / " + v.required + " 学分"));
    summary.appendChild(head);
    summary.appendChild(bar(v.percent, "本周期学分完成 " + v.percent + "%"));
    summary.appendChild(el("p", null, v.remaining > 0
      ? "已完成 " + v.percent + "%，还差 " + v.remaining + " 学分（" + v.cycle.name + "，" + yday(v.cycle.end) + "截止）"
      : "已达到本周期要求的 " + v.required + " 学分。"));
    var pace = el("p", { "class": "zjt-status zjt-status--" + (v.behind ? "school_rejected" : "confirmed") },
      v.behind ? "进度落后：按周期进度，到今天应达 " + v.expected_by_now + " 学分" : "进度正常（按周期进度，到今天应达 " + v.expected_by_now + " 学分）");
    summary.appendChild(pace);
    var dl = el("dl", { "class": "zjt-credits__facts" });
    [["线下学分", t.offline], ["线上学分", t.online], ["其中校本研修", t.school_based + " / 上限 " + v.cycle.school_based_cap + "（还可登记 " + v.school_based_room + "）"]]
      .forEach(function (p) { dl.appendChild(el("dt", null, p[0])); dl.appendChild(el("dd", null, String(p[1]))); });
    summary.appendChild(dl);
  }

  function renderCycles(v) {
    cycleBox.textContent = "";
    if (v.cycles.length < 2) return;
    var lab = el("label", { "class": "zjt-field" }, "学分周期");
    var sel = el("select", { name: "cycle" });
    v.cycles.forEach(function (c) {
      var o = el("option", { value: c.cycle_id }, c.name);
      if (c.cycle_id === v.cycle.cycle_id) o.selected = true;
      sel.appendChild(o);
    });
    sel.addEventListener("change", function () { load(sel.value); });
    lab.appendChild(sel);
    cycleBox.appendChild(lab);
  }

  function renderActions() {
    actions.textContent = "";
    var xl = el("button", { type: "button", "class": "md-button" }, "下载培训档案（Excel）");
    xl.addEventListener("click", async function () {
      try { await T.download("/credits/archive", "培训档案.xlsx"); } catch (e) { api.toast(e.message, "error"); }
    });
    actions.appendChild(xl);
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(el("a", { "class": "md-button", href: api.siteUrl("credits/archive/") }, "打印培训档案"));
  }

  function renderEntries(v) {
    ledger.textContent = "";
    if (!v.entries.length) {
      ledger.appendChild(el("li", { "class": "zjt-muted" }, "本周期还没有登记学分。"));
      return;
    }
    v.entries.forEach(function (e) {
      var li = el("li", { "class": "zjt-ledger__entry" + (e.credits_total < 0 ? " zjt-ledger__entry--minus" : ""), "data-entry-id": e.entry_id });
      var top = el("p", { "class": "zjt-ledger__top" });
      top.appendChild(el("span", { "class": "zjt-ledger__title" }, e.title));
      top.appendChild(el("span", { "class": "zjt-ledger__credits" }, signed(e.credits_total) + " 学分"));
      li.appendChild(top);
      var from = e.institution_name || e.school_name;
      li.appendChild(el("p", { "class": "zjt-muted" }, yday(e.on) + " · " + e.source_text + (from ? " · " + from : "") +
        (e.online ? " · 线上 " + e.online : "")));
      if (e.note) li.appendChild(el("p", { "class": "zjt-muted" }, e.note));
      ledger.appendChild(li);
    });
  }

  function renderPending(v) {
    pendingBox.textContent = "";
    if (!v.pending.length) return;
    pendingBox.appendChild(el("h2", null, "待审核的校本研修"));
    var ul = el("ul");
    v.pending.forEach(function (r) {
      ul.appendChild(el("li", null, r.title + " · " + yday(r.on) + " · " + (r.offline + r.online) + " 学分（" + r.school_name + "登记，待教育局审核）"));
    });
    pendingBox.appendChild(ul);
  }

  async function loadCerts() {
    certs.textContent = "";
    var res = await api.request("GET", "/credits/certificates");
    var rows = res.data.certificates || [];
    if (!rows.length) {
      certs.appendChild(el("li", { "class": "zjt-muted" }, "培训项目结业认定合格后，可在这里查看和打印结业证书。"));
      return;
    }
    rows.forEach(function (c) {
      var li = el("li", { "class": "zjt-cert-item" });
      li.appendChild(el("a", { href: api.siteUrl("credits/certificate/?c=" + encodeURIComponent(c.code)) },
        "《" + c.project_title + "》" + c.class_name));
      li.appendChild(el("span", { "class": "zjt-muted" }, " " + c.institution_name + " · " + c.credits + " 学分 · " + yday(c.issued_on)));
      certs.appendChild(li);
    });
  }

  async function load(cycle) {
    if (api.needLogin(msg, "后查看我的学分。")) return;
    try {
      var res = await api.request("GET", "/credits/mine" + (cycle ? "?cycle=" + encodeURIComponent(cycle) : ""));
      var v = res.data;
      msg.textContent = v.teacher_name + " · " + v.school_name;
      renderCycles(v);
      renderSummary(v);
      renderActions();
      renderEntries(v);
      renderPending(v);
      if (!cycle) await loadCerts();
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msg.textContent = e.message;
    }
  }
  load(null);
})();
