/* 质量监控 (QA-1): the centre and the monitor record a check of a class (POST
   /api/quality/checks; classes found with GET /api/quality/classes) and confirm follow-ups
   (…/close); an institution answers the findings about its classes (…/answer); bureaus read
   their projects' records. The list exports as xlsx. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-monitoring");
  if (!root) return;
  var api = window.ZJT, el = api.el, T = window.ZJTTrain;
  var msg = root.querySelector(".zjt-msg");
  var recordBox = root.querySelector(".zjt-qa-record");
  var form = root.querySelector(".zjt-qa-form");
  var formMsg = root.querySelector(".zjt-qa-msg");
  var list = root.querySelector(".zjt-qa-list");
  var ITEMS = ["课程实施与课程表一致", "授课教师与申报一致", "学员考勤与纪律", "食宿与安全", "收费与申报一致", "培训资料与档案", "线上学习平台"];
  var RECORDERS = ["centre", "monitor"];
  var role = (api.user() || {}).role;

  function today() {
    var d = new Date(Date.now() + 8 * 3600 * 1000);
    return d.toISOString().slice(0, 10);
  }

  function setupForm() {
    var fs = form.querySelector(".zjt-qa-items");
    ITEMS.forEach(function (it) {
      var lab = el("label", { "class": "zjt-field zjt-field--check" });
      lab.appendChild(el("input", { type: "checkbox", name: "items", value: it }));
      lab.appendChild(document.createTextNode(it));
      fs.appendChild(lab);
    });
    form.elements.checked_on.value = today();
    var timer = null;
    form.elements.q.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(findClasses, 300);
    });
    findClasses();
    form.addEventListener("submit", submit);
  }

  async function findClasses() {
    var sel = form.elements.class_id;
    try {
      var res = await api.request("GET", "/quality/classes?q=" + encodeURIComponent(form.elements.q.value.trim()));
      sel.textContent = "";
      var rows = res.data.classes || [];
      sel.appendChild(el("option", { value: "" }, rows.length ? "请选择班期（" + rows.length + " 个）" : "没有找到班期"));
      rows.forEach(function (c) {
        sel.appendChild(el("option", { value: c.class_id }, c.project_title + " " + c.class_name + "（" + c.institution_name + "，" + api.dayRange(c.start_date, c.end_date) + "）"));
      });
    } catch (e) { formMsg.textContent = e.message; }
  }

  async function submit(ev) {
    ev.preventDefault();
    var f = form.elements;
    var items = Array.prototype.map.call(form.querySelectorAll("input[name=items]:checked"), function (i) { return i.value; });
    if (!f.class_id.value) { formMsg.textContent = "请选择班期"; return; }
    if (!items.length) { formMsg.textContent = "请选择检查内容"; return; }
    var body = { class_id: f.class_id.value, checked_on: f.checked_on.value, method: f.method.value, items: items,
      findings: f.findings.value.trim(), rating: f.rating.value, follow_up: f.follow_up.checked };
    if (f.follow_up.checked && f.follow_up_by.value) body.follow_up_by = f.follow_up_by.value;
    formMsg.textContent = "正在保存……";
    try {
      await api.request("POST", "/quality/checks", { body: body });
      formMsg.textContent = "已保存" + (body.follow_up ? "，已通知培训机构整改。" : "。");
      f.findings.value = "";
      await loadList();
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      formMsg.textContent = e.message;
    }
  }

  async function act(c, action, body) {
    try {
      await api.request("POST", "/quality/checks/" + encodeURIComponent(c.institution_id) + "/" + encodeURIComponent(c.check_id) + "/" + action, { body: body });
      api.toast(action === "answer" ? "已提交答复" : "已确认整改");
      await loadList();
    } catch (e) { api.toast(e.message, "error"); }
  }

  function item(c) {
    var li = el("li", { "class": "zjt-selection", "data-check-id": c.check_id });
    li.appendChild(el("h3", null, c.project_title + " · " + c.class_name));
    li.appendChild(el("p", { "class": "zjt-result__inst" }, c.institution_name + " · " + api.day(c.checked_on) + " " + c.method + " · " + c.recorded_by_name));
    li.appendChild(el("p", null, "检查内容：" + c.items.join("、")));
    li.appendChild(el("p", null, "发现：" + c.findings));
    li.appendChild(el("p", null, "评价：" + c.rating_text + " · "));
    li.lastChild.appendChild(el("span", { "class": "zjt-status zjt-status--" + (c.status === "open" ? "pending" : c.status === "closed" || c.status === "recorded" ? "confirmed" : "school_approved") }, c.status_text));
    if (c.follow_up_by) li.appendChild(el("p", { "class": "zjt-muted" }, "整改期限：" + api.day(c.follow_up_by)));
    if (c.answer) li.appendChild(el("p", null, "机构答复（" + c.answered_by_name + "）：" + c.answer));
    if (c.close_note) li.appendChild(el("p", { "class": "zjt-muted" }, "确认意见：" + c.close_note));
    if (role === "institution" && (c.status === "open" || c.status === "answered")) {
      var b = el("button", { type: "button", "class": "md-button md-button--primary" }, c.status === "open" ? "答复整改情况" : "补充答复");
      b.addEventListener("click", async function () {
        var text = await api.dialog({ title: "答复整改情况", body: c.findings, ok: "提交", input: { label: "整改情况", required: true, maxlength: 1000 } });
        if (text) act(c, "answer", { answer: text });
      });
      li.appendChild(b);
    }
    if (RECORDERS.indexOf(role) >= 0 && c.status === "answered") {
      var ok = el("button", { type: "button", "class": "md-button md-button--primary" }, "确认整改");
      ok.addEventListener("click", async function () {
        var note = await api.dialog({ title: "确认整改", body: c.answer, ok: "确认", input: { label: "确认意见（选填）", maxlength: 300 } });
        if (note !== false) act(c, "close", { note: note || "" });
      });
      li.appendChild(ok);
    }
    return li;
  }

  async function loadList() {
    var res = await api.request("GET", "/quality/checks");
    var rows = res.data.checks || [];
    list.textContent = "";
    if (!rows.length) list.appendChild(el("li", { "class": "zjt-muted" }, "还没有检查记录。"));
    rows.forEach(function (c) { list.appendChild(item(c)); });
    var open = rows.filter(function (c) { return c.status === "open"; }).length;
    msg.textContent = "共 " + rows.length + " 条记录" + (open ? "，" + open + " 条待机构整改" : "") + "。";
  }

  root.querySelector(".zjt-qa-export").addEventListener("click", async function () {
    try { await T.download("/quality/checks/export", "质量监控记录.xlsx"); } catch (e) { api.toast(e.message, "error"); }
  });

  async function load() {
    if (api.needLogin(msg, "后查看质量监控记录。")) return;
    if (RECORDERS.indexOf(role) >= 0) { recordBox.hidden = false; setupForm(); }
    try { await loadList(); } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msg.textContent = e.message;
    }
  }
  load();
})();
