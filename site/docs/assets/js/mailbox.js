/* 开发邮箱 (dev only): GET /api/dev/mailbox lists what the send worker emailed to the local SMTP
   server; DELETE empties it. A deployment has no such endpoint: the page says so. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-mailbox");
  if (!root) return;
  var el = window.ZJT.el;
  var msgEl = root.querySelector(".zjt-msg");
  var listEl = root.querySelector(".zjt-messages");

  async function call(method) {
    var resp = await fetch("/api/dev/mailbox", { method: method, headers: { "Accept": "application/json" } });
    if (resp.status === 404) throw new Error("absent");
    return resp.json();
  }

  async function load() {
    try {
      var d = await call("GET");
      listEl.textContent = "";
      msgEl.textContent = d.messages.length ? "共 " + d.messages.length + " 封邮件（最新的在前）。" : "还没有邮件。";
      d.messages.forEach(function (m) {
        var li = el("li", { "class": "zjt-message" });
        li.appendChild(el("p", { "class": "zjt-message__title" }, m.subject));
        li.appendChild(el("p", { "class": "zjt-muted" }, "收件人：" + m.to + " · " + m.date));
        li.appendChild(el("p", { "class": "zjt-message__text" }, m.text));
        listEl.appendChild(li);
      });
    } catch (e) {
      msgEl.textContent = e.message === "absent" ? "这里不是本地开发环境，没有开发邮箱。" : "无法读取开发邮箱。";
    }
  }

  root.querySelector(".zjt-refresh").addEventListener("click", load);
  root.querySelector(".zjt-clear").addEventListener("click", async function () {
    try { await call("DELETE"); } catch (e) { /* shown by load */ }
    load();
  });
  load();
})();
