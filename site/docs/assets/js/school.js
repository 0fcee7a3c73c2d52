/* 学校审核: GET /api/school/selections, POST /api/school/reviews (single or bulk, reason required
   to reject), GET /api/school/export (xlsx). Plain ES2017. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-school");
  if (!root) return;
  var api = window.ZJT;
  var el = api.el;
  var msgEl = root.querySelector(".zjt-msg");
  var tools = root.querySelector(".zjt-school-tools");
  var listEl = root.querySelector(".zjt-teachers");
  var reasonEl = root.querySelector(".zjt-reason");
  var resultEl = root.querySelector(".zjt-result");

  function setResult(text, ok) {
    resultEl.textContent = text;
    resultEl.className = "zjt-result zjt-msg " + (ok ? "zjt-msg--ok" : "zjt-msg--error");
  }

  function checked() {
    return Array.prototype.map.call(listEl.querySelectorAll("input.zjt-pick:checked"), function (c) {
      return { teacher_id: c.getAttribute("data-teacher"), class_id: c.getAttribute("data-class") };
    });
  }

  async function decide(items, decision) {
    var reason = reasonEl.value.trim();
    if (!items.length) { setResult("请先勾选要审核的选课", false); return; }
    if (decision === "reject" && reason.length < 2) { setResult("不通过时必须填写原因", false); reasonEl.focus(); return; }
    try {
      var res = await api.request("POST", "/school/reviews", { body: { items: items, decision: decision, reason: reason } });
      var results = (res.data && res.data.results) || [];
      var ok = results.filter(function (r) { return r.ok; }).length;
      var bad = results.filter(function (r) { return !r.ok; });
      setResult("已处理 " + ok + " 条" + (bad.length ? "；" + bad.length + " 条未处理：" + bad.map(function (r) { return r.message; }).join("；") : ""), !bad.length);
      await load();
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      setResult(e.message, false);
    }
  }

  function selectionRow(t, s) {
    var li = el("li", { "class": "zjt-selection" });
    var head = el("p");
    if (s.status === "pending") {
      var cb = el("input", { type: "checkbox", "class": "zjt-pick", "data-teacher": t.teacher_id, "data-class": s.class_id, "aria-label": "选择" });
      head.appendChild(cb);
      head.appendChild(document.createTextNode(" "));
    }
    head.appendChild(el("strong", null, s.project_title + " · " + s.class_name));
    li.appendChild(head);
    li.appendChild(el("p", { "class": "zjt-muted" }, s.institution_name + "，" + s.start_date + " 至 " + s.end_date + "，第" + s.round + "轮"));
    li.appendChild(el("p", { "class": "zjt-status zjt-status--" + s.status }, s.status_text));
    if (s.reason) li.appendChild(el("p", null, "原因：" + s.reason));
    if (s.status === "pending") {
      var bar = el("p");
      var yes = el("button", { type: "button", "class": "md-button md-button--primary" }, "通过");
      var no = el("button", { type: "button", "class": "md-button" }, "不通过");
      var one = [{ teacher_id: t.teacher_id, class_id: s.class_id }];
      yes.addEventListener("click", function () { decide(one, "approve"); });
      no.addEventListener("click", function () { decide(one, "reject"); });
      bar.appendChild(yes);
      bar.appendChild(document.createTextNode(" "));
      bar.appendChild(no);
      li.appendChild(bar);
    }
    return li;
  }

  function teacherCard(t) {
    var li = el("li", { "class": "zjt-teacher" });
    li.appendChild(el("h3", null, t.name + "（" + t.teacher_id + "）"));
    li.appendChild(el("p", { "class": "zjt-muted" }, [t.stage, t.subject].filter(Boolean).join(" · ") + " · 已获学分 " + t.credits));
    var ol = el("ol", { "class": "zjt-selections" });
    t.selections.forEach(function (s) { ol.appendChild(selectionRow(t, s)); });
    li.appendChild(ol);
    return li;
  }

  async function exportXlsx() {
    try {
      var resp = await fetch("/api/school/export", { headers: { Authorization: "Bearer " + api.token() } });
      if (!resp.ok) { setResult("导出失败，请稍后重试", false); return; }
      var blob = await resp.blob();
      var a = el("a", { href: URL.createObjectURL(blob), download: "学校选课名单.xlsx" });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setResult("已导出", true);
    } catch (e) {
      setResult("网络连接失败，请检查网络后重试", false);
    }
  }

  async function load() {
    if (api.needLogin(msgEl, "（校长或学校管理员账号）。")) return;
    try {
      var res = await api.request("GET", "/school/selections");
      var d = res.data || {};
      tools.hidden = false;
      listEl.textContent = "";
      msgEl.textContent = "本校共 " + (d.teachers || []).length + " 位教师选课，待审核 " + d.pending + " 条。";
      (d.teachers || []).forEach(function (t) { listEl.appendChild(teacherCard(t)); });
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msgEl.textContent = e.message;
    }
  }

  root.querySelector(".zjt-all").addEventListener("change", function (evt) {
    Array.prototype.forEach.call(listEl.querySelectorAll("input.zjt-pick"), function (c) { c.checked = evt.target.checked; });
  });
  root.querySelector(".zjt-approve").addEventListener("click", function () { decide(checked(), "approve"); });
  root.querySelector(".zjt-reject").addEventListener("click", function () { decide(checked(), "reject"); });
  root.querySelector(".zjt-export").addEventListener("click", exportXlsx);
  load();
})();
