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
      ((res.data && res.data.seats) || []).forEach(function (s) { byId[s.class_id] = s; });
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
      var res = await api.request("POST", "/selections", { body: body, idempotencyKey: key });
      var sel = res.data || {};
      show(msgEl, [sel.status_text || "已提交选课", sel.next_step].filter(Boolean).join("。"), true);
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

  Array.prototype.forEach.call(root.querySelectorAll("form.zjt-select"), bind);
  loadSeats();
})();
