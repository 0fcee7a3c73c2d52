/* 添加到日历 (我的选课): the teacher's private calendar feed. GET /api/calendar/feed shows it,
   POST makes a new address (the old one stops working), DELETE stops the feed. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-calfeed");
  if (!root) return;
  var api = window.ZJT;
  var msgEl = root.querySelector(".zjt-msg");
  var on = root.querySelector(".zjt-calfeed-on");
  var off = root.querySelector(".zjt-calfeed-off");
  var urlEl = root.querySelector(".zjt-cal-url");
  var sub = root.querySelector(".zjt-cal-subscribe");

  function show(feed) {
    var has = !!(feed && feed.url);
    on.hidden = !has;
    off.hidden = has;
    if (has) {
      urlEl.value = feed.url;
      sub.href = feed.webcal || feed.url;
    }
  }

  async function call(method, done) {
    try {
      var res = await api.request(method, "/calendar/feed");
      show(res.data);
      msgEl.textContent = done || "";
      msgEl.className = "zjt-msg" + (done ? " zjt-msg--ok" : "");
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msgEl.textContent = e.status === 403 ? "只有教师账号可以订阅培训日程。" : e.message;
      msgEl.className = "zjt-msg zjt-msg--error";
    }
  }

  root.querySelector(".zjt-cal-create").addEventListener("click", function () { call("POST", "已生成订阅地址。"); });
  root.querySelector(".zjt-cal-rotate").addEventListener("click", function () {
    if (window.confirm("更换后，旧地址立即失效，已订阅的日历需要用新地址重新订阅。确定更换吗？")) call("POST", "已更换订阅地址，请用新地址重新订阅。");
  });
  root.querySelector(".zjt-cal-off").addEventListener("click", function () {
    if (window.confirm("停用后，已订阅的日历将不再更新。确定停用吗？")) call("DELETE", "已停用日历订阅。");
  });
  root.querySelector(".zjt-cal-copy").addEventListener("click", async function () {
    try { await navigator.clipboard.writeText(urlEl.value); msgEl.textContent = "已复制订阅地址。"; }
    catch (e) { urlEl.select(); msgEl.textContent = "请长按地址手动复制。"; }
  });

  if (api.token()) call("GET");
})();
