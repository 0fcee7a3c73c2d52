/* Project page: live seats left per class, and 选择此班期 as POST /api/selections. */
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
        span.textContent = s.left > 0 ? "，剩余 " + s.left + " 人" : "，名额已满";
        span.classList.toggle("zjt-seats--full", s.left <= 0);
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

  function bind(formEl) {
    var button = formEl.querySelector("button");
    var msgEl = formEl.querySelector(".zjt-msg");
    var pendingKey = null;  // reused when a retry follows an unknown outcome (network failure)
    formEl.addEventListener("submit", async function (evt) {
      evt.preventDefault();
      if (!api.token()) { api.goLogin(); return; }
      pendingKey = pendingKey || api.uuid();
      button.disabled = true;
      show(msgEl, "正在提交……", true);
      try {
        var res = await api.request("POST", "/selections", {
          body: { class_id: formEl.getAttribute("data-class-id") },
          idempotencyKey: pendingKey
        });
        pendingKey = null;
        var sel = res.data || {};
        show(msgEl, [sel.status_text || "已提交选课", sel.next_step].filter(Boolean).join("。"), true);
        loadSeats();
      } catch (e) {
        if (e.status === 401) { api.goLogin(); return; }
        if (e.status !== 0) pendingKey = null;
        show(msgEl, e.message, false);
      } finally {
        button.disabled = false;
      }
    });
  }

  Array.prototype.forEach.call(root.querySelectorAll("form.zjt-select"), bind);
  loadSeats();
})();
