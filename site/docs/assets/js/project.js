/* Project page: live seats left per class, 选择此班期 as POST /api/selections, and 加入候补
   (POST /api/selections with waitlist: true) when a class is full. */
(function () {
  "use strict";
  var root = document.querySelector(".zjt-project");
  if (!root) return;
  var api = window.ZJT;

  async function loadSeats() {
    var spans = root.querySelectorAll("[data-seats-for]");
    if (!spans.length) return;
    var ids = Array.prototype.map.call(spans, function (s) { return s.getAttribute("data-seats-for"); });
    try {
      var res = await api.request("GET", "/seats?class_ids=" + ids.map(encodeURIComponent).join(","), { auth: false });
      var byId = {};
      ((res.data && res.data.seats) || []).forEach(function (s) { byId[s.class_id] = s; seatsById[s.class_id] = s; });
      if (typeof renderBar === "function") renderBar();
      Array.prototype.forEach.call(spans, function (span) {
        var s = byId[span.getAttribute("data-seats-for")];
        if (!s) { span.textContent = ""; return; }
        span.textContent = s.left > 0 ? "，剩余 " + s.left + " 人" :
          "，名额已满" + (s.waitlist ? "，候补 " + s.waitlist + " 人" : "");
        span.classList.toggle("zjt-seats--full", s.left <= 0);
        var form = root.querySelector('form.zjt-select[data-class-id="' + s.class_id + '"]');
        if (form && s.left <= 0) offerWaitlist(form);
      });
    } catch (e) {
      Array.prototype.forEach.call(spans, function (span) { span.textContent = "（剩余名额暂时无法获取）"; });
    }
  }

  function show(msgEl, text, ok) {
    msgEl.textContent = text;
    msgEl.classList.toggle("zjt-msg--ok", !!ok);
    msgEl.classList.toggle("zjt-msg--error", !ok);
  }

  /* A full class offers its waitlist (候补): a second button right after the form (added once),
     answering in the form's message line. */
  function offerWaitlist(formEl) {
    var cid = formEl.getAttribute("data-class-id");
    if (root.querySelector('[data-waitlist-for="' + cid + '"]')) return;
    var b = api.el("button", { type: "button", "class": "md-button zjt-waitlist", "data-waitlist-for": cid }, "加入候补");
    formEl.parentNode.insertBefore(b, formEl.nextSibling);
    var key = null;
    b.addEventListener("click", function () {
      key = key || api.uuid();
      submit(formEl, b, true, key).then(function (done) { if (done) key = null; });
    });
  }

  /* POST /api/selections; resolves true when the outcome is known (the key may be dropped). */
  async function submit(formEl, button, waitlist, key) {
    var msgEl = formEl.querySelector(".zjt-msg");
    if (!api.token()) { api.goLogin(); return false; }
    button.disabled = true;
    show(msgEl, "正在提交……", true);
    try {
      var body = { class_id: formEl.getAttribute("data-class-id") };
      if (waitlist) body.waitlist = true;
      var res = await api.request("POST", "/selections", {
        body: body,
        idempotencyKey: key,
        // A popular class at the rush: calm words while the page tries again for her.
        onRetry: function () { show(msgEl, "选课的老师较多，正在为你自动重试，请稍候，不要关闭页面……", true); }
      });
      var sel = res.data || {};
      show(msgEl, [sel.status_text || "已提交选课", sel.next_step].filter(Boolean).join("。"), true);
      api.toast(sel.status_text || "已提交选课");
      state.mine = state.mine.filter(function (x) { return x.class_id !== sel.class_id; }).concat([sel]);
      loadSeats();
      return true;
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return false; }
      var text = e.message;
      if (e.body && e.body.can_waitlist) {
        text += "。可点击“加入候补”，有名额释放时按顺序自动递补。";
        offerWaitlist(formEl);
      }
      show(msgEl, text, false);
      return e.status !== 0 && e.status < 500;  // unknown outcome: keep the key for a retry
    } finally {
      button.disabled = false;
    }
  }

  function bind(formEl) {
    var button = formEl.querySelector("button");
    var pendingKey = null;  // reused when a retry follows an unknown outcome (network failure)
    formEl.addEventListener("submit", async function (evt) {
      evt.preventDefault();
      pendingKey = pendingKey || api.uuid();
      if (await submit(formEl, button, false, pendingKey)) pendingKey = null;
    });
  }

  // --- the sticky action bar: eligible or why not, the window, 已选 n/3, seats, one action ---
  var bar = root.querySelector(".zjt-actionbar");
  var seatsById = {};
  var state = { phases: null, teacher: null, mine: [], role: null };
  var HOLDING = ["pending", "school_approved", "confirmed"];

  function list(attr) {
    var v = root.getAttribute(attr) || "";
    return v ? v.split(",") : [];
  }

  /* Advisory only (the server decides on every write): the catalog's target against the
     teacher's record; a city or the province covers its counties; 全学段 and 不限 match all. */
  function whyNot(t) {
    var stages = list("data-target-stages");
    var subjects = list("data-target-subjects");
    var regions = list("data-target-regions");
    var any = function (xs) { return !xs.length || xs.indexOf("全学段") >= 0 || xs.indexOf("不限") >= 0; };
    if (!any(stages) && stages.indexOf(t.stage) < 0) return "本项目面向" + stages.join("、") + "教师，你的学段是" + t.stage;
    if (!any(subjects) && subjects.indexOf(t.subject) < 0) return "本项目面向" + subjects.join("、") + "教师，你的学科是" + t.subject;
    if (regions.length) {
      var code = t.region_code || "";
      var inside = regions.some(function (r) {
        if (r === "330000") return true;
        if (r.slice(4) === "00") return code.slice(0, 4) === r.slice(0, 4);
        return code === r;
      });
      if (!inside) return "本项目只面向指定地区的教师";
    }
    return "";
  }

  function currentClass() {
    var sel = bar.querySelector("select");
    if (sel) return sel.value;
    var f = root.querySelector("form.zjt-select");
    return f ? f.getAttribute("data-class-id") : null;
  }

  function round() {
    var ws = (state.phases && state.phases.windows) || [];
    var open = ws.filter(function (w) { return w.open && (w.phase === "PH-R1" || w.phase === "PH-R2"); })[0];
    if (open) return { open: true, text: open.name + "，截止 " + api.lastDay(open.closes) };
    var now = state.phases ? new Date(state.phases.now).getTime() : 0;
    var next = ws.filter(function (w) { return (w.phase === "PH-R1" || w.phase === "PH-R2") && new Date(w.opens).getTime() > now; })[0];
    return { open: false, text: next ? next.name + " " + api.day(next.opens) + "开始" : "本学期选课已结束" };
  }

  function renderBar() {
    if (!bar) return;
    bar.hidden = false;
    var why = bar.querySelector(".zjt-actionbar__why");
    var facts = bar.querySelector(".zjt-actionbar__facts");
    var go = bar.querySelector(".zjt-actionbar__go");
    var cid = currentClass();
    var seat = seatsById[cid];
    var r = round();
    var max = (state.phases && state.phases.max_classes) || 3;
    var held = state.mine.filter(function (s) { return HOLDING.indexOf(s.status) >= 0; }).length;
    var here = state.mine.filter(function (s) { return s.class_id === cid && (HOLDING.indexOf(s.status) >= 0 || s.status === "waitlisted"); })[0];
    var parts = [r.text];
    if (state.teacher) parts.push("已选 " + held + "/" + max);
    if (seat) parts.push(seat.left > 0 ? "剩余 " + seat.left + " 人" : "已满" + (seat.waitlist ? "，候补 " + seat.waitlist + " 人" : ""));
    facts.textContent = parts.join(" · ");
    var reason = "";
    var label = "选择此班期";
    if (!api.token()) { why.textContent = "登录后可选课"; label = "登录后选课"; }
    else if (state.role && state.role !== "teacher") { reason = "仅教师可以选课"; }
    else if (state.teacher) {
      var no = whyNot(state.teacher);
      why.textContent = no ? "✗ " + no : "✓ 你符合本项目的参训对象";
      why.className = "zjt-actionbar__why " + (no ? "zjt-check--bad" : "zjt-check--okline");
      if (no) reason = "不在参训对象内";
      else if (here) reason = here.status === "waitlisted" ? "已在候补名单中" : "你已选择此班期";
      else if (!r.open) reason = "不在选课时间内";
      else if (held >= max) reason = "本学期已选满 " + max + " 个班期";
      else if (seat && seat.left <= 0) label = "加入候补";
    }
    if (reason) { go.textContent = reason; go.disabled = true; }
    else { go.textContent = label; go.disabled = !api.token() ? false : !state.teacher; }
  }

  async function loadBar() {
    if (!bar) return;
    renderBar();
    try { state.phases = (await api.request("GET", "/phases", { auth: false })).data; } catch (e) { /* facts stay short */ }
    var u = api.token() ? api.user() : null;
    state.role = u ? u.role : null;
    if (u && u.role === "teacher") {
      try {
        var me = (await api.request("GET", "/records/me")).data;
        state.teacher = me.teacher;
        state.teacher.region_code = me.teacher.region_code;
        state.mine = ((await api.request("GET", "/selections")).data || {}).selections || [];
      } catch (e) { if (e.status === 401) { api.goLogin(); return; } }
    }
    renderBar();
  }

  if (bar) {
    var sel = bar.querySelector("select");
    if (sel) sel.addEventListener("change", renderBar);
    bar.querySelector(".zjt-actionbar__go").addEventListener("click", function () {
      if (!api.token()) { api.goLogin(); return; }
      var cid = currentClass();
      var wl = root.querySelector('[data-waitlist-for="' + cid + '"]');
      var seat = seatsById[cid];
      if (seat && seat.left <= 0 && wl) { wl.click(); return; }
      var form = root.querySelector('form.zjt-select[data-class-id="' + cid + '"]');
      if (form) form.requestSubmit();
    });
  }

  Array.prototype.forEach.call(root.querySelectorAll("form.zjt-select"), bind);
  loadSeats();
  loadBar();
})();
