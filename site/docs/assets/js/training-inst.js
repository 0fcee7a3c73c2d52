/* 开班管理 (institution): GET /api/training/classes; per class GET /api/training/classes/<cid>
   (roster, sessions, proposal, decisions), check-in open/close, marks per session, bulk
   check-in, the attendance template and imports (POST /api/training/imports, progress polled),
   completion decisions. Plain ES2017. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-train-inst");
  if (!root) return;
  var api = window.ZJT, el = api.el, T = window.ZJTTrain;
  var MARKS = [["present", "出勤"], ["late", "迟到"], ["leave", "请假"], ["absent", "缺勤"]];
  var q = function (s) { return root.querySelector(s); };
  var msg = q(".zjt-msg"), classesEl = q(".zjt-train-classes"), panel = q(".zjt-train-class");
  var roster = null, current = null;

  function setMsg(node, text, ok) {
    node.textContent = text;
    // Keep the element's own classes (the page finds it by them); only the state changes.
    node.classList.remove("zjt-msg--ok", "zjt-msg--error");
    if (ok === true) node.classList.add("zjt-msg--ok");
    if (ok === false) node.classList.add("zjt-msg--error");
  }

  async function loadClasses() {
    if (api.needLogin(msg, "后进入开班管理。")) return;
    try {
      var res = await api.request("GET", "/training/classes");
      var rows = res.data.classes || [];
      classesEl.textContent = "";
      setMsg(msg, rows.length ? "本机构本学期共 " + rows.length + " 个班期。" : "本机构本学期没有已发布的班期。");
      rows.forEach(function (c) {
        var li = el("li", { "class": "zjt-selection", "data-class-id": c.class_id });
        li.appendChild(el("h3", null, c.project_title + " · " + c.class_name));
        li.appendChild(el("p", null, T.day(c.start_date) + " 至 " + T.day(c.end_date) + " · " + c.stage_text));
        li.appendChild(el("p", { "class": "zjt-muted" }, "学员 " + c.confirmed + " 人" + (c.cancelled ? " · 已取消：" + c.cancel_reason : "")));
        var b = el("button", { type: "button", "class": "md-button md-button--primary" }, "管理");
        b.addEventListener("click", function () { openClass(c.class_id); });
        if (!c.cancelled) li.appendChild(b);
        classesEl.appendChild(li);
      });
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      setMsg(msg, e.status === 403 ? "开班管理供培训机构使用。" : e.message, false);
    }
  }

  async function openClass(cid) {
    current = cid;
    classesEl.hidden = true;
    panel.hidden = false;
    setMsg(msg, "正在加载班期……");
    await reload();
  }

  async function reload() {
    try {
      var res = await api.request("GET", "/training/classes/" + encodeURIComponent(current));
      roster = res.data;
      setMsg(msg, "");
      render();
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      setMsg(msg, e.message, false);
    }
  }

  function render() {
    var s = roster.summary;
    q(".zjt-train-title").textContent = s.project_title + " · " + s.class_name;
    q(".zjt-train-facts").textContent = T.day(s.start_date) + " 至 " + T.day(s.end_date) + " · " + (s.place || "") + " · " + s.stage_text + " · 结业认定截止 " + T.day(s.deadline);
    q(".zjt-train-checkin").textContent = (s.checkin_open ? "报到进行中" : "报到未开放") + "：已报到 " + s.checked_in + " / " + s.confirmed + " 人";
    q(".zjt-open").hidden = s.checkin_open;
    q(".zjt-close").hidden = !s.checkin_open;
    var link = q(".zjt-qr-link");
    link.href = api.siteUrl("training/qr/?c=" + encodeURIComponent(current));
    link.hidden = !s.checkin_open;
    q(".zjt-online-label").hidden = !roster.blended;
    var sel = q(".zjt-session");
    var keep = sel.value;
    sel.textContent = "";
    roster.sessions.forEach(function (x) {
      sel.appendChild(el("option", { value: x.key }, T.day(x.day) + (x.start ? " " + x.start.slice(0, 5) + "–" + x.end.slice(0, 5) : "") + " " + x.topic));
    });
    if (keep) sel.value = keep;
    renderMarks();
    renderDecisions();
  }

  function renderMarks() {
    var list = q(".zjt-roster-list");
    var key = q(".zjt-session").value;
    list.textContent = "";
    if (!roster.rows.length) { list.appendChild(el("li", null, "本班没有已确认的学员。")); return; }
    roster.rows.forEach(function (r) {
      var li = el("li", { "class": "zjt-selection", "data-teacher-id": r.teacher_id });
      var head = el("label");
      var pick = el("input", { type: "checkbox", "class": "zjt-pick", value: r.teacher_id });
      head.appendChild(pick);
      head.appendChild(document.createTextNode(" " + r.name + " · " + r.school_name));
      li.appendChild(head);
      li.appendChild(el("p", { "class": "zjt-muted" }, r.checked_in_at ? "已报到 " + T.when(r.checked_in_at) : "未报到"));
      var have = r.marks[key];
      var group = el("p", { "class": "zjt-marks", role: "radiogroup" });
      MARKS.forEach(function (m) {
        var lab = el("label", { "class": "zjt-mark" });
        var radio = el("input", { type: "radio", name: "m-" + r.teacher_id, value: m[0] });
        if (have && have.mark === m[0]) radio.checked = true;
        lab.appendChild(radio);
        lab.appendChild(document.createTextNode(m[1] + " "));
        group.appendChild(lab);
      });
      li.appendChild(group);
      var reason = el("input", { type: "text", maxlength: "100", placeholder: "请假原因", "class": "zjt-leave-reason" });
      if (have && have.reason) reason.value = have.reason;
      li.appendChild(reason);
      list.appendChild(li);
    });
  }

  async function saveMarks() {
    var out = q(".zjt-marks-msg");
    var items = [];
    q(".zjt-roster-list").querySelectorAll("li[data-teacher-id]").forEach(function (li) {
      var on = li.querySelector("input[type=radio]:checked");
      if (on) items.push({ teacher_id: li.getAttribute("data-teacher-id"), mark: on.value, reason: li.querySelector(".zjt-leave-reason").value.trim() });
    });
    if (!items.length) { setMsg(out, "请先为学员选择考勤", false); return; }
    try {
      var res = await api.request("POST", "/training/classes/" + encodeURIComponent(current) + "/attendance", { body: { session: q(".zjt-session").value, items: items } });
      var bad = res.data.results.filter(function (x) { return !x.ok; });
      setMsg(out, bad.length ? "已保存 " + (items.length - bad.length) + " 人；" + bad.length + " 人未保存：" + bad.map(function (x) { return x.message; }).join("、") : "已保存 " + items.length + " 人的考勤", !bad.length);
      await reload();
    } catch (e) { setMsg(out, e.message, false); }
  }

  async function bulkCheckin() {
    var out = q(".zjt-marks-msg");
    var ids = [];
    q(".zjt-roster-list").querySelectorAll(".zjt-pick:checked").forEach(function (c) { ids.push(c.value); });
    if (!ids.length) { setMsg(out, "请先勾选学员", false); return; }
    try {
      var res = await api.request("POST", "/training/classes/" + encodeURIComponent(current) + "/checkins", { body: { teacher_ids: ids } });
      var ok = res.data.results.filter(function (x) { return x.ok; }).length;
      setMsg(out, "已为 " + ok + " 人报到" + (ok < ids.length ? "，" + (ids.length - ok) + " 人未能报到" : ""), ok === ids.length);
      await reload();
    } catch (e) { setMsg(out, e.message, false); }
  }

  async function setCheckin(open) {
    try {
      await api.request("POST", "/training/classes/" + encodeURIComponent(current) + "/checkin", { body: { open: open } });
      await reload();
    } catch (e) { setMsg(q(".zjt-marks-msg"), e.message, false); }
  }

  function readFile(file) {
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () { resolve(String(r.result).split(",")[1] || ""); };
      r.onerror = function () { reject(new Error("无法读取文件")); };
      r.readAsDataURL(file);
    });
  }

  async function importFile(kind, input) {
    var out = q(".zjt-import-msg"), report = q(".zjt-import-report");
    var file = input.files[0];
    input.value = "";
    if (!file) return;
    report.textContent = "";
    setMsg(out, "正在上传 " + file.name + "……");
    try {
      var content = await readFile(file);
      var res = await api.request("POST", "/training/imports", { body: { kind: kind, file_name: file.name, content_base64: content } });
      var job = res.data;
      while (job.status === "queued" || job.status === "running") {
        setMsg(out, "正在导入：已处理 " + job.processed + " / " + (job.total || "?") + " 行");
        await new Promise(function (r) { setTimeout(r, 1500); });
        job = (await api.request("GET", "/training/imports/" + job.job_id)).data.job;
      }
      if (job.status === "failed") { setMsg(out, "导入失败：" + job.message, false); return; }
      var detail = (await api.request("GET", "/training/imports/" + job.job_id)).data;
      setMsg(out, "导入完成：" + job.message, job.rejected === 0);
      detail.rejected.forEach(function (r) {
        report.appendChild(el("li", null, (r.sheet ? r.sheet + " " : "") + "第 " + r.row + " 行 " + (r.name || r.teacher_id) + "：" + r.message));
      });
      await reload();
    } catch (e) { setMsg(out, e.message, false); }
  }

  function renderDecisions() {
    var list = q(".zjt-decide-list");
    list.textContent = "";
    q(".zjt-decide-note").textContent = roster.may_decide ? "建议结果按出勤学时（及线上学时）自动计算；与建议不同、不合格或更正已有认定时须填写原因。" : roster.decide_note;
    q(".zjt-decide").hidden = !roster.may_decide || !roster.rows.length;
    if (!roster.rows.length) { list.appendChild(el("li", null, "本班没有已确认的学员，无需认定结业。")); return; }
    roster.rows.forEach(function (r) {
      var li = el("li", { "class": "zjt-selection", "data-teacher-id": r.teacher_id });
      li.appendChild(el("h3", null, r.name));
      var p = r.proposal;
      li.appendChild(el("p", null, "出勤 " + p.attended_hours + " / " + p.scheduled_hours + " 学时" + (roster.blended ? "；线上 " + (p.online_hours || 0) + " / " + p.online_required + " 学时" : "") + "；建议：" + (p.outcome === "pass" ? "合格" : "不合格")));
      if (p.reasons.length) li.appendChild(el("p", { "class": "zjt-muted" }, p.reasons.join("；")));
      if (r.completion) li.appendChild(el("p", { "class": "zjt-status" }, "已认定：" + (r.completion.outcome === "pass" ? "合格" : "不合格") + (r.completion.reason ? "（" + r.completion.reason + "）" : "")));
      if (roster.may_decide) {
        var sel = el("select", { "class": "zjt-outcome" });
        sel.appendChild(el("option", { value: "" }, "不变"));
        sel.appendChild(el("option", { value: "pass" }, "合格"));
        sel.appendChild(el("option", { value: "fail" }, "不合格"));
        if (!r.completion) sel.value = p.outcome;
        li.appendChild(sel);
        li.appendChild(el("input", { type: "text", maxlength: "200", placeholder: "原因（必要时填写）", "class": "zjt-outcome-reason" }));
      }
      list.appendChild(li);
    });
  }

  async function decide() {
    var out = q(".zjt-decide-msg");
    var items = [];
    q(".zjt-decide-list").querySelectorAll("li[data-teacher-id]").forEach(function (li) {
      var v = li.querySelector(".zjt-outcome").value;
      if (v) items.push({ teacher_id: li.getAttribute("data-teacher-id"), outcome: v, reason: li.querySelector(".zjt-outcome-reason").value.trim() });
    });
    if (!items.length) { setMsg(out, "没有需要提交的认定", false); return; }
    try {
      var res = await api.request("POST", "/training/classes/" + encodeURIComponent(current) + "/completion", { body: { items: items } });
      var bad = res.data.results.filter(function (x) { return !x.ok; });
      setMsg(out, bad.length ? bad.length + " 人未提交：" + bad.map(function (x) { return x.message; }).join("、") : "已提交 " + items.length + " 人的结业认定", !bad.length);
      await reload();
    } catch (e) { setMsg(out, e.message, false); }
  }

  q(".zjt-back").addEventListener("click", function () { panel.hidden = true; classesEl.hidden = false; current = null; loadClasses(); });
  q(".zjt-session").addEventListener("change", renderMarks);
  q(".zjt-save-marks").addEventListener("click", saveMarks);
  q(".zjt-bulk-checkin").addEventListener("click", bulkCheckin);
  q(".zjt-open").addEventListener("click", function () { setCheckin(true); });
  q(".zjt-close").addEventListener("click", function () { setCheckin(false); });
  q(".zjt-template").addEventListener("click", async function () {
    try { await T.download("/training/classes/" + encodeURIComponent(current) + "/attendance/template", roster.summary.project_title + roster.summary.class_name + "考勤.xlsx"); }
    catch (e) { setMsg(q(".zjt-import-msg"), e.message, false); }
  });
  q(".zjt-import-attendance").addEventListener("change", function (ev) { importFile("attendance", ev.target); });
  q(".zjt-import-online").addEventListener("change", function (ev) { importFile("online", ev.target); });
  q(".zjt-decide").addEventListener("click", decide);
  // A link to one class (?c=) opens it at once; the list loads when the user goes back.
  var want = new URLSearchParams(location.search).get("c");
  if (want && !api.needLogin(msg, "后进入开班管理。")) openClass(want);
  else loadClasses();
})();
