/* 我的培训: GET /api/selections as one card per class with its status timeline (已选 → 学校审核 →
   机构复核 → 培训 → 结业); withdrawn and refused classes apart and outside the count; 退选 and
   取消候补 via DELETE /api/selections/<class_id> after an in-page dialog.
   Other parts of the platform add to each card through ZJT.myTraining.addons (see below). */
(function () {
  "use strict";
  var root = document.getElementById("zjt-my");
  if (!root) return;
  var api = window.ZJT;
  var el = api.el;
  var msgEl = root.querySelector(".zjt-msg");
  var listEl = root.querySelector(".zjt-selections");
  var ROUNDS = { 1: "第一轮", 2: "第二轮" };
  var ACTIVE = ["pending", "school_approved", "confirmed", "waitlisted"];
  var HOLDING = ["pending", "school_approved", "confirmed"];

  /* Training-week features (attendance, credits …) render into a card: push
     function (selection, container, now) onto ZJT.myTraining.addons; called for every active
     class after the card is drawn. */
  api.myTraining = api.myTraining || { addons: [] };

  var STEPS = ["已选课", "学校审核", "机构复核", "培训", "结业"];

  /* Each step: "done", "now", "bad" or "" (to come), with a note under the current one. */
  function steps(s, now) {
    var st = ["done", "", "", "", ""];
    var note = "";
    var start = new Date(s.start_date + "T00:00:00+08:00").getTime();
    var end = new Date(s.end_date + "T23:59:59+08:00").getTime();
    if (s.status === "pending") { st[1] = "now"; note = "等待学校审核"; }
    else if (s.status === "school_approved") { st[1] = "done"; st[2] = "now"; note = "等待培训机构复核"; }
    else if (s.status === "school_rejected") { st[1] = "bad"; note = "学校未通过"; }
    else if (s.status === "recheck_rejected") { st[1] = "done"; st[2] = "bad"; note = "机构复核未通过"; }
    else if (s.status === "confirmed") {
      st[1] = st[2] = "done";
      if (now < start) { st[3] = "now"; note = api.day(s.start_date) + "开班"; }
      else if (now <= end) { st[3] = "now"; note = "培训进行中"; }
      else { st[3] = "done"; st[4] = "now"; note = "等待结业认定"; }
    }
    return { states: st, note: note };
  }

  function timeline(s, now) {
    if (s.status === "waitlisted") {
      return el("p", { "class": "zjt-waitpos" }, "候补位置：第 " + (s.waitlist_position || "?") + " 位，有名额释放时按顺序自动递补");
    }
    var t = steps(s, now);
    var ol = el("ol", { "class": "zjt-steps", "aria-label": "进度" });
    STEPS.forEach(function (name, i) {
      var state = t.states[i];
      var li = el("li", { "class": "zjt-step" + (state ? " zjt-step--" + state : "") });
      if (state === "now") li.setAttribute("aria-current", "step");
      li.appendChild(el("span", { "class": "zjt-step__dot", "aria-hidden": "true" }));
      li.appendChild(el("span", { "class": "zjt-step__name" }, name));
      ol.appendChild(li);
    });
    var wrap = el("div", { "class": "zjt-timeline" });
    wrap.appendChild(ol);
    if (t.note) wrap.appendChild(el("p", { "class": "zjt-steps__note" }, t.note));
    return wrap;
  }

  function withdrawButton(s) {
    var box = el("div", { "class": "zjt-sel__actions" });
    var msg = el("p", { "class": "zjt-msg", role: "status", "aria-live": "polite" });
    var leaving = s.status === "waitlisted";
    var b = el("button", { type: "button", "class": "md-button" }, leaving ? "取消候补" : "退选");
    var key = null;
    b.addEventListener("click", async function () {
      var what = "「" + s.project_title + " · " + s.class_name + "」";
      var sure = await api.dialog({
        title: leaving ? "取消候补" : "退选",
        body: leaving ? "确定取消" + what + "的候补吗？" : "确定退选" + what + "吗？退选后名额会释放给其他教师。",
        ok: leaving ? "取消候补" : "退选",
        cancel: "再想想",
        danger: true
      });
      if (!sure) return;
      key = key || api.uuid();
      b.disabled = true;
      msg.textContent = leaving ? "正在取消候补……" : "正在退选……";
      try {
        var res = await api.request("DELETE", "/selections/" + encodeURIComponent(s.class_id), { idempotencyKey: key });
        key = null;
        var d = res.data || {};
        api.toast(d.message || d.status_text || "已退选");
        await load();
      } catch (e) {
        if (e.status === 401) { api.goLogin(); return; }
        if (e.status !== 0) key = null;
        msg.textContent = e.message;
        msg.className = "zjt-msg zjt-msg--error";
        b.disabled = false;
      }
    });
    box.appendChild(b);
    box.appendChild(msg);
    return box;
  }

  function card(s, now) {
    var li = el("li", { "class": "zjt-selection zjt-sel", "data-class": s.class_id });
    var h = el("h3");
    h.appendChild(el("a", { href: api.siteUrl("projects/" + encodeURIComponent(s.project_id) + "/") }, s.project_title));
    h.appendChild(document.createTextNode(" · " + s.class_name));
    li.appendChild(h);
    li.appendChild(el("p", { "class": "zjt-result__inst" }, s.institution_name + " · " + api.dayRange(s.start_date, s.end_date) +
      (ROUNDS[s.round] ? " · " + ROUNDS[s.round] + "选课" : "")));
    li.appendChild(el("p", { "class": "zjt-status zjt-status--" + s.status }, s.status_text || s.status));
    if (ACTIVE.indexOf(s.status) >= 0) li.appendChild(timeline(s, now));
    if (s.reason) li.appendChild(el("p", null, "原因：" + s.reason));
    if (s.change_notice) li.appendChild(el("p", { "class": "zjt-notice" }, "项目变更说明：" + s.change_notice));
    if (s.next_step) li.appendChild(el("p", { "class": "zjt-muted" }, "下一步：" + s.next_step));
    var extra = el("div", { "class": "zjt-sel__extra" });
    li.appendChild(extra);
    // The server says whether a withdrawal is possible now (a round is open, or a CH-3 right
    // covers the seat, confirmed ones too).
    if (s.may_withdraw) li.appendChild(withdrawButton(s));
    if (ACTIVE.indexOf(s.status) >= 0) {
      api.myTraining.addons.forEach(function (addon) {
        try { addon(s, extra, now); } catch (e) { /* one add-on never breaks the page */ }
      });
    }
    return li;
  }

  async function load() {
    if (api.needLogin(msgEl, "后查看我的培训。")) return;
    try {
      var phases = null;
      try { phases = (await api.request("GET", "/phases", { auth: false })).data; } catch (e) { phases = null; }
      var now = phases ? new Date(phases.now).getTime() : Date.now();
      var max = (phases && phases.max_classes) || 3;
      var res = await api.request("GET", "/selections");
      var list = (res.data && res.data.selections) || [];
      var active = list.filter(function (s) { return ACTIVE.indexOf(s.status) >= 0; });
      var closed = list.filter(function (s) { return ACTIVE.indexOf(s.status) < 0; });
      var held = active.filter(function (s) { return HOLDING.indexOf(s.status) >= 0; }).length;
      listEl.textContent = "";
      msgEl.textContent = "";
      if (!active.length) {
        msgEl.appendChild(document.createTextNode(closed.length ? "目前没有进行中的班期。" : "本学期还没有选课。"));
        msgEl.appendChild(el("a", { href: api.siteUrl("catalog/"), "class": "md-button md-button--primary zjt-empty-cta" }, "去选课目录看看"));
      } else {
        msgEl.textContent = "本学期已选 " + held + "/" + max + " 个班期" + (active.length > held ? "，候补 " + (active.length - held) + " 个" : "") + "。";
      }
      active.sort(function (a, b) { return a.start_date < b.start_date ? -1 : 1; });
      active.forEach(function (s) { listEl.appendChild(card(s, now)); });
      var old = root.querySelector(".zjt-closed");
      if (old) old.remove();
      if (closed.length) {
        var det = el("details", { "class": "zjt-closed" });
        det.appendChild(el("summary", null, "已退选或未通过的班期（" + closed.length + "，不计入已选）"));
        var ol = el("ol", { "class": "zjt-selections" });
        closed.forEach(function (s) { ol.appendChild(card(s, now)); });
        det.appendChild(ol);
        // Open when it holds the only news (e.g. right after a withdrawal).
        det.open = !active.length;
        root.appendChild(det);
      }
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msgEl.textContent = e.message;
    }
  }

  load();
})();

/* 下载我的个人数据: the teacher's own record and selections as xlsx (GET /api/me/export). */
(function () {
  var button = document.getElementById("zjt-mydata-download");
  var msg = document.getElementById("zjt-mydata-msg");
  if (!button) return;
  button.addEventListener("click", async function () {
    var api = window.ZJT;
    msg.textContent = "正在准备……";
    button.disabled = true;
    try {
      var resp = await fetch("/api/me/export", {
        headers: { "Authorization": "Bearer " + api.token(), "X-Zjt-Page": location.pathname }
      });
      if (resp.status === 401) { api.goLogin(); return; }
      if (!resp.ok) {
        var body = await resp.json().catch(function () { return {}; });
        msg.textContent = body.message || "下载失败，请稍后再试";
        return;
      }
      var url = URL.createObjectURL(await resp.blob());
      var a = document.createElement("a");
      a.href = url;
      a.download = "我的个人数据.xlsx";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      msg.textContent = "已下载";
    } catch (e) {
      msg.textContent = "网络连接失败，请检查网络后重试";
    } finally {
      button.disabled = false;
    }
  });
})();
