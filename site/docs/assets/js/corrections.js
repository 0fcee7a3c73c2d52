/* 教师信息更正 (PH-1, school staff): GET /api/records/corrections, and approve or refuse each
   request (POST …/decision; a refusal asks for the reason in an in-page dialog). */
(function () {
  "use strict";
  var root = document.getElementById("zjt-corrections");
  if (!root) return;
  var api = window.ZJT;
  var el = api.el;
  var msgEl = root.querySelector(".zjt-msg");
  var winEl = root.querySelector(".zjt-me__window");
  var listEl = root.querySelector(".zjt-corrections__list");
  var chips = root.querySelectorAll(".zjt-chip");
  var status = "pending";

  function windowNote(w) {
    winEl.textContent = "";
    var box = el("div", { "class": "admonition " + (w.open ? "info" : "note") });
    box.appendChild(el("p", { "class": "admonition-title" }, w.open ? "更正开放中，截止 " + api.lastDay(w.closes) : "当前不在信息更正时间内"));
    box.appendChild(el("p", null, w.open ? "请在截止前处理；选课开始后不能再通过更正申请。" : (w.message || "") + "。仍可填写原因不通过待处理的申请。"));
    winEl.appendChild(box);
  }

  async function decide(r, approve, buttons) {
    var body = { approve: approve, reason: "" };
    if (approve) {
      var ok = await api.dialog({ title: "通过更正", body: "通过后，" + r.teacher_name + "的信息将立即更正为：" + r.items.map(function (i) { return i.label + " " + i.after; }).join("，") + "。", ok: "通过" });
      if (!ok) return;
    } else {
      var reason = await api.dialog({ title: "不通过", body: "请填写原因，" + r.teacher_name + "会看到。", ok: "不通过", danger: true, input: { label: "原因", required: true, requiredText: "不通过时须填写原因" } });
      if (reason === false) return;
      body.reason = reason;
    }
    buttons.forEach(function (b) { b.disabled = true; });
    try {
      var path = "/records/corrections/" + encodeURIComponent(r.teacher_id) + "/" + encodeURIComponent(r.request_id) + "/decision";
      await api.request("POST", path, { body: body });
      api.toast(approve ? "已通过，" + r.teacher_name + "的信息已更正" : "已不通过");
      await load();
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      api.toast(e.message, "error");
      buttons.forEach(function (b) { b.disabled = false; });
    }
  }

  function item(r, w) {
    var li = el("li", { "class": "zjt-selection" });
    li.appendChild(el("h3", null, r.teacher_name));
    var ul = el("ul");
    r.items.forEach(function (i) { ul.appendChild(el("li", null, i.label + "：" + i.before + " → " + i.after)); });
    li.appendChild(ul);
    if (r.note) li.appendChild(el("p", null, "说明：" + r.note));
    li.appendChild(el("p", { "class": "zjt-muted" }, "提交于 " + api.dayTime(r.created_at)));
    li.appendChild(el("p", { "class": "zjt-status zjt-status--" + r.status }, r.status_text + (r.reason ? "（" + r.reason + "）" : "")));
    if (r.status === "pending") {
      var bar = el("p", { "class": "zjt-actions" });
      var yes = el("button", { type: "button", "class": "md-button md-button--primary" }, "通过");
      var no = el("button", { type: "button", "class": "md-button" }, "不通过");
      if (!w.open) yes.disabled = true;
      yes.addEventListener("click", function () { decide(r, true, [yes, no]); });
      no.addEventListener("click", function () { decide(r, false, [yes, no]); });
      bar.appendChild(yes);
      bar.appendChild(no);
      li.appendChild(bar);
    }
    return li;
  }

  async function load() {
    if (api.needLogin(msgEl, "（校长或学校管理员账号）。")) return;
    try {
      var q = status ? "?status=" + status : "";
      var d = (await api.request("GET", "/records/corrections" + q)).data;
      windowNote(d.window);
      listEl.textContent = "";
      msgEl.textContent = d.requests.length ? "共 " + d.requests.length + " 条" + (status === "pending" ? "待处理" : "") + "申请。" : (status === "pending" ? "没有待处理的更正申请。" : "还没有更正申请。");
      d.requests.forEach(function (r) { listEl.appendChild(item(r, d.window)); });
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msgEl.textContent = e.message;
    }
  }

  Array.prototype.forEach.call(chips, function (c) {
    c.addEventListener("click", function () {
      status = c.getAttribute("data-status");
      Array.prototype.forEach.call(chips, function (x) { x.setAttribute("aria-pressed", x === c ? "true" : "false"); });
      load();
    });
  });
  load();
})();
