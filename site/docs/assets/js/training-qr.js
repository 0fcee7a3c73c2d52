/* 报到二维码 (institution, projector or phone): GET /api/training/classes/<cid>/checkin/code
   every few seconds; the code rotates every step, the page shows the current one. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-train-qr");
  if (!root) return;
  var api = window.ZJT;
  var msg = root.querySelector(".zjt-msg");
  var box = root.querySelector(".zjt-qr");
  var codeEl = root.querySelector(".zjt-qr-code");
  var expEl = root.querySelector(".zjt-qr-expires");
  var countEl = root.querySelector(".zjt-qr-count");
  var titleEl = root.querySelector(".zjt-qr-title");
  var classId = new URLSearchParams(location.search).get("c");
  var left = 0, timer = null, ticks = 0;

  async function refresh() {
    try {
      var res = await api.request("GET", "/training/classes/" + encodeURIComponent(classId) + "/checkin/code");
      var d = res.data;
      box.innerHTML = d.svg;  // SVG made by the server (segno) from the check-in URL
      box.setAttribute("data-code", d.code);
      box.setAttribute("data-url", d.url);
      codeEl.textContent = "报到码：" + d.code;
      left = d.expires_in;
      msg.textContent = "";
      if (ticks % 3 === 0) counts();
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msg.textContent = e.message;
      box.innerHTML = "";
      codeEl.textContent = "";
      left = 5;
    }
  }

  async function counts() {
    try {
      var res = await api.request("GET", "/training/classes/" + encodeURIComponent(classId));
      var s = res.data.summary;
      titleEl.textContent = s.project_title + " · " + s.class_name;
      countEl.textContent = "已报到 " + s.checked_in + " / " + s.confirmed + " 人";
    } catch (e) { /* the code matters more than the count */ }
  }

  function tick() {
    ticks += 1;
    left -= 1;
    expEl.textContent = left > 0 ? left + " 秒后更新" : "正在更新……";
    if (left <= 0) refresh();
  }

  if (!classId) { msg.textContent = "请从开班管理页面打开报到二维码。"; return; }
  if (api.needLogin(msg, "后显示报到二维码。")) return;
  refresh().then(function () { timer = setInterval(tick, 1000); });
  window.addEventListener("pagehide", function () { if (timer) clearInterval(timer); });
})();
