/* 登录: in the local stack, pick a demo account (GET /api/dev/users, POST /api/dev/login);
   in a deployment /api/dev/* is absent and login goes through the provincial identity provider. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-login");
  if (!root) return;
  var api = window.ZJT;
  var el = api.el;
  var msgEl = root.querySelector(".zjt-msg");
  var currentEl = root.querySelector(".zjt-login-current");
  var usersEl = root.querySelector(".zjt-login-users");

  /* Only same-site paths: never redirect to another origin from a query parameter. Browsers
     read "/\\host", "/\t/host" and the like as "//host" (another origin), so the check is the
     browser's own: resolve `next` as the browser would and keep it only if the origin stays
     this site's. A scheme ("https:", "javascript:") or a host is refused the same way. */
  function nextUrl() {
    var next = new URLSearchParams(location.search).get("next");
    if (next && next.charAt(0) === "/" && next.indexOf("\\") < 0) {
      var u = new URL(next, location.origin);
      if (u.origin === location.origin && u.pathname.indexOf("/login/") < 0) return u.pathname + u.search + u.hash;
    }
    return api.siteUrl("home/");
  }

  function showCurrent() {
    var u = api.user();
    currentEl.textContent = "";
    if (!api.token() || !u) { currentEl.hidden = true; return; }
    currentEl.hidden = false;
    currentEl.appendChild(el("span", null, "当前已登录：" + u.name + (u.role_name ? "（" + u.role_name + "）" : "") + " "));
    var out = el("button", { type: "button", "class": "md-button" }, "退出");
    out.addEventListener("click", function () { api.clearSession(); showCurrent(); });
    currentEl.appendChild(out);
  }

  async function login(userId, button) {
    button.disabled = true;
    msgEl.textContent = "正在登录……";
    try {
      var res = await api.request("POST", "/dev/login", { body: { user_id: userId }, auth: false });
      api.setSession(res.data.token, res.data.user);
      location.href = nextUrl();
    } catch (e) {
      msgEl.textContent = e.message;
      button.disabled = false;
    }
  }

  function renderUsers(users) {
    var groups = {};
    var order = [];
    users.forEach(function (u) {
      var key = u.role_name || u.role;
      if (!groups[key]) { groups[key] = []; order.push(key); }
      groups[key].push(u);
    });
    order.forEach(function (key) {
      usersEl.appendChild(el("h2", null, key));
      var ul = el("ul", { "class": "zjt-userlist" });
      groups[key].forEach(function (u) {
        var li = el("li");
        var b = el("button", { type: "button", "class": "md-button" }, u.name);
        b.addEventListener("click", function () { login(u.user_id, b); });
        li.appendChild(b);
        if (u.scope) li.appendChild(el("span", { "class": "zjt-muted" }, " " + u.scope));
        ul.appendChild(li);
      });
      usersEl.appendChild(ul);
    });
  }

  async function start() {
    showCurrent();
    try {
      var res = await api.request("GET", "/dev/users", { auth: false });
      var users = (res.data && res.data.users) || [];
      msgEl.textContent = users.length ? "本地演示环境：选择一个演示账号登录。" : "没有可用的演示账号。";
      renderUsers(users);
    } catch (e) {
      // No /api/dev/* (a deployment): API Gateway answers unknown routes with 403 or 404.
      msgEl.textContent = e.status === 404 || e.status === 403
        ? "请通过浙江省统一身份认证平台登录本平台。"
        : "登录服务暂时不可用（" + e.message + "）。正式环境请通过浙江省统一身份认证平台登录。";
    }
  }

  start();
})();
