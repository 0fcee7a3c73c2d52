/* 选课审核 (principal, school admin): the school's teachers as a list filtered by status (those
   who selected nothing too), the review window first, bulk 通过/不通过 with "已选 N 人" and an
   in-page dialog. GET /api/school/selections, POST /api/school/reviews, GET /api/school/export. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-school");
  if (!root) return;
  var api = window.ZJT;
  var el = api.el;
  var msgEl = root.querySelector(".zjt-msg");
  var winEl = root.querySelector(".zjt-school__window");
  var tools = root.querySelector(".zjt-school-tools");
  var chipsEl = root.querySelector(".zjt-chips");
  var qEl = root.querySelector(".zjt-school__q");
  var allEl = root.querySelector(".zjt-all");
  var listEl = root.querySelector(".zjt-teachers");
  var bulk = root.querySelector(".zjt-bulkbar");
  var bulkCount = root.querySelector(".zjt-bulkbar__count");

  var APPROVED = ["school_approved", "confirmed"];
  var REJECTED = ["school_rejected", "recheck_rejected"];
  var FILTERS = [
    ["pending", "待审核"], ["approved", "已通过"], ["rejected", "未通过"], ["none", "未选课"], ["all", "全部"]
  ];
  var data = null;
  var reviewWindow = null;
  var filter = new URLSearchParams(location.search).get("status") || "";

  function matches(s, f) {
    if (f === "pending") return s.status === "pending";
    if (f === "approved") return APPROVED.indexOf(s.status) >= 0;
    if (f === "rejected") return REJECTED.indexOf(s.status) >= 0;
    return true;
  }

  function counts() {
    var c = { pending: 0, approved: 0, rejected: 0, none: data.not_selected || 0, all: data.teachers.length };
    data.teachers.forEach(function (t) {
      t.selections.forEach(function (s) {
        if (matches(s, "pending")) c.pending++;
        else if (matches(s, "approved")) c.approved++;
        else if (matches(s, "rejected")) c.rejected++;
      });
    });
    return c;
  }

  function renderWindow(phases) {
    winEl.textContent = "";
    var ids = ["PH-R1-SCHOOL", "PH-R2-SCHOOL"];
    var ws = (phases.windows || []).filter(function (w) { return ids.indexOf(w.phase) >= 0; });
    var now = new Date(phases.now).getTime();
    var open = ws.filter(function (w) { return w.open; })[0];
    var next = ws.filter(function (w) { return new Date(w.opens).getTime() > now; })[0];
    reviewWindow = open || null;
    var box = el("div", { "class": "zjt-window " + (open ? "zjt-window--open" : "zjt-window--closed") });
    if (open) {
      box.appendChild(el("strong", null, open.name + " 进行中"));
      box.appendChild(el("span", null, "截止 " + api.lastDay(open.closes)));
    } else if (next) {
      box.appendChild(el("strong", null, "审核尚未开始"));
      box.appendChild(el("span", null, next.name + "：" + api.day(next.opens) + "开始。现在可查看本校教师的选课情况。"));
    } else {
      box.appendChild(el("strong", null, "本学期选课审核已结束"));
    }
    winEl.appendChild(box);
  }

  function renderChips() {
    var c = counts();
    if (!filter) filter = c.pending ? "pending" : "all";
    chipsEl.textContent = "";
    FILTERS.forEach(function (f) {
      var b = el("button", { type: "button", "class": "zjt-chip", "data-filter": f[0], "aria-pressed": filter === f[0] ? "true" : "false" });
      b.appendChild(document.createTextNode(f[1]));
      b.appendChild(el("span", { "class": "zjt-chip__count" }, String(c[f[0]])));
      b.addEventListener("click", function () { filter = f[0]; renderChips(); renderList(); });
      chipsEl.appendChild(b);
    });
  }

  function teacherLine(t) {
    return [t.stage, t.subject].filter(Boolean).join(" · ");
  }

  function selRow(t, s) {
    var li = el("li", { "class": "zjt-row" });
    var reviewable = s.status === "pending";
    var lab = el("label", { "class": "zjt-row__main" });
    if (reviewable) {
      var cb = el("input", { type: "checkbox", "class": "zjt-pick", "data-teacher": t.teacher_id, "data-class": s.class_id, "data-name": t.name });
      if (!reviewWindow) cb.disabled = true;
      lab.appendChild(cb);
    }
    var body = el("span", { "class": "zjt-row__body" });
    var head = el("span", { "class": "zjt-row__head" });
    head.appendChild(el("strong", null, t.name));
    head.appendChild(el("span", { "class": "zjt-muted" }, teacherLine(t)));
    body.appendChild(head);
    body.appendChild(el("span", { "class": "zjt-row__title" }, s.project_title + " · " + s.class_name));
    body.appendChild(el("span", { "class": "zjt-muted" }, s.institution_name + "，" + api.dayRange(s.start_date, s.end_date) + "，第" + s.round + "轮"));
    var st = el("span", { "class": "zjt-tagline zjt-status--" + s.status }, s.status_text);
    body.appendChild(st);
    if (s.reason) body.appendChild(el("span", { "class": "zjt-muted" }, "原因：" + s.reason));
    lab.appendChild(body);
    li.appendChild(lab);
    return li;
  }

  function noneRow(t) {
    var li = el("li", { "class": "zjt-row" });
    var body = el("div", { "class": "zjt-row__body zjt-row__main" });
    var head = el("span", { "class": "zjt-row__head" });
    head.appendChild(el("strong", null, t.name));
    head.appendChild(el("span", { "class": "zjt-muted" }, teacherLine(t)));
    body.appendChild(head);
    body.appendChild(el("span", { "class": "zjt-tagline zjt-status--none" }, t.selections.length ? "无有效选课" : "未选课"));
    li.appendChild(body);
    return li;
  }

  function renderList() {
    listEl.textContent = "";
    var q = qEl.value.trim();
    var shown = 0;
    data.teachers.forEach(function (t) {
      if (q && (t.name + t.subject + t.stage).indexOf(q) < 0) return;
      if (filter === "none") {
        if (!t.selected) { listEl.appendChild(noneRow(t)); shown++; }
        return;
      }
      var sels = t.selections.filter(function (s) { return matches(s, filter); });
      if (filter === "all" && !sels.length) { listEl.appendChild(noneRow(t)); shown++; return; }
      sels.forEach(function (s) { listEl.appendChild(selRow(t, s)); shown++; });
    });
    if (!shown) listEl.appendChild(el("li", { "class": "zjt-row zjt-muted" }, "没有符合条件的记录。"));
    allEl.checked = false;
    allEl.disabled = !reviewWindow || !listEl.querySelector("input.zjt-pick");
    updateBulk();
  }

  function picked() {
    return Array.prototype.map.call(listEl.querySelectorAll("input.zjt-pick:checked"), function (c) {
      return { teacher_id: c.getAttribute("data-teacher"), class_id: c.getAttribute("data-class"), name: c.getAttribute("data-name") };
    });
  }

  function people(items) {
    var names = [];
    items.forEach(function (i) { if (names.indexOf(i.name) < 0) names.push(i.name); });
    return names;
  }

  function updateBulk() {
    var items = picked();
    bulk.hidden = !items.length;
    var names = people(items);
    bulkCount.textContent = "已选 " + names.length + " 人" + (items.length !== names.length ? "（" + items.length + " 条）" : "");
  }

  async function decide(decision) {
    var items = picked();
    if (!items.length) return;
    var names = people(items);
    var who = names.slice(0, 5).join("、") + (names.length > 5 ? " 等 " + names.length + " 人" : "");
    var reason = "";
    if (decision === "approve") {
      var ok = await api.dialog({ title: "通过选课", body: "通过 " + who + " 的 " + items.length + " 条选课？通过后由培训机构复核。", ok: "通过" });
      if (!ok) return;
    } else {
      var r = await api.dialog({ title: "不通过", body: "不通过 " + who + " 的 " + items.length + " 条选课，名额将释放给候补教师。请填写原因，教师会看到。", ok: "不通过", danger: true, input: { label: "原因", required: true, requiredText: "不通过时必须填写原因" } });
      if (r === false) return;
      reason = r;
    }
    bulk.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    try {
      var body = { items: items.map(function (i) { return { teacher_id: i.teacher_id, class_id: i.class_id }; }), decision: decision, reason: reason };
      var res = await api.request("POST", "/school/reviews", { body: body });
      var results = (res.data && res.data.results) || [];
      var done = results.filter(function (x) { return x.ok; }).length;
      var bad = results.filter(function (x) { return !x.ok; });
      if (bad.length) api.toast("已处理 " + done + " 条；" + bad.length + " 条未处理：" + bad[0].message, "error");
      else api.toast((decision === "approve" ? "已通过 " : "已不通过 ") + done + " 条选课");
      await load();
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      api.toast(e.message, "error");
    } finally {
      bulk.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    }
  }

  async function exportXlsx() {
    try {
      var resp = await fetch("/api/school/export", { headers: { Authorization: "Bearer " + api.token() } });
      if (!resp.ok) { api.toast("导出失败，请稍后重试", "error"); return; }
      var blob = await resp.blob();
      var a = el("a", { href: URL.createObjectURL(blob), download: "学校选课名单.xlsx" });
      document.body.appendChild(a);
      a.click();
      a.remove();
      api.toast("已导出");
    } catch (e) {
      api.toast("网络连接失败，请检查网络后重试", "error");
    }
  }

  async function load() {
    if (api.needLogin(msgEl, "（校长或学校管理员账号）。")) return;
    try {
      var phases = (await api.request("GET", "/phases", { auth: false })).data || {};
      renderWindow(phases);
      data = (await api.request("GET", "/school/selections")).data || { teachers: [] };
      tools.hidden = false;
      var selected = data.teachers.length - (data.not_selected || 0);
      msgEl.textContent = "本校 " + data.teachers.length + " 位教师：已选课 " + selected + " 人，未选课 " + (data.not_selected || 0) + " 人；待审核 " + data.pending + " 条。";
      renderChips();
      renderList();
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msgEl.textContent = e.message;
    }
  }

  listEl.addEventListener("change", updateBulk);
  allEl.addEventListener("change", function () {
    Array.prototype.forEach.call(listEl.querySelectorAll("input.zjt-pick:not(:disabled)"), function (c) { c.checked = allEl.checked; });
    updateBulk();
  });
  qEl.addEventListener("input", function () { if (data) renderList(); });
  root.querySelector(".zjt-approve").addEventListener("click", function () { decide("approve"); });
  root.querySelector(".zjt-reject").addEventListener("click", function () { decide("reject"); });
  root.querySelector(".zjt-export").addEventListener("click", exportXlsx);
  load();
})();
