/* Shared by every page: API fetch wrapper, token handling, the user bar. Plain ES2017. */
(function () {
  "use strict";

  var TOKEN_KEY = "zjt.token";
  var USER_KEY = "zjt.user";
  var API = "/api";

  var STATUS_MESSAGES = {
    0: "网络连接失败，请检查网络后重试",
    400: "请求有误",
    401: "请先登录",
    403: "没有权限进行此操作",
    404: "未找到相关信息",
    409: "操作与当前状态冲突，请刷新后重试",
    429: "操作过于频繁，请稍后重试",
    500: "服务暂时不可用，请稍后重试"
  };

  /* The site root as an absolute URL, from mkdocs-material's page config (works under any path). */
  function siteBase() {
    var base = ".";
    var el = document.getElementById("__config");
    if (el) {
      try { base = JSON.parse(el.textContent).base || "."; } catch (e) { base = "."; }
    }
    if (base.charAt(base.length - 1) !== "/") base += "/";
    return new URL(base, location.href);
  }

  function siteUrl(rel) { return new URL(rel, siteBase()).href; }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function token() { try { return localStorage.getItem(TOKEN_KEY); } catch (e) { return null; } }

  function user() {
    try { return JSON.parse(localStorage.getItem(USER_KEY) || "null"); } catch (e) { return null; }
  }

  function setSession(tok, usr) {
    localStorage.setItem(TOKEN_KEY, tok);
    localStorage.setItem(USER_KEY, JSON.stringify(usr || null));
    renderUserBar();
  }

  function clearSession() {
    try { localStorage.removeItem(TOKEN_KEY); localStorage.removeItem(USER_KEY); } catch (e) { /* private mode */ }
    renderUserBar();
  }

  /* An API failure: `message` is always Chinese and fit to show the user. */
  function ApiError(status, code, message, body) {
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.message = message;
    this.body = body;
  }
  ApiError.prototype = Object.create(Error.prototype);
  ApiError.prototype.constructor = ApiError;

  /*
   * request("POST", "/selections", {body: {...}, idempotencyKey: k})
   * resolves {status, data}; rejects with ApiError. Writes get an Idempotency-Key (pass the same
   * key to retry a request whose outcome is unknown). auth: false sends no token.
   */
  async function request(method, path, opts) {
    opts = opts || {};
    var headers = { "Accept": "application/json" };
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    var tok = opts.auth === false ? null : token();
    if (tok) headers["Authorization"] = "Bearer " + tok;
    if (method !== "GET" && method !== "HEAD") headers["Idempotency-Key"] = opts.idempotencyKey || uuid();
    var resp;
    try {
      resp = await fetch(API + path, init);
    } catch (e) {
      throw new ApiError(0, "network", STATUS_MESSAGES[0], null);
    }
    var data = null;
    var type = resp.headers.get("Content-Type") || "";
    if (type.indexOf("json") >= 0) {
      try { data = await resp.json(); } catch (e) { data = null; }
    }
    if (!resp.ok) {
      var code = (data && data.code) || "http_" + resp.status;
      var msg = (data && data.message) || STATUS_MESSAGES[resp.status] ||
        STATUS_MESSAGES[resp.status >= 500 ? 500 : 400];
      throw new ApiError(resp.status, code, msg, data);
    }
    return { status: resp.status, data: data };
  }

  function loginUrl(next) {
    var u = new URL("login/", siteBase());
    if (next) u.searchParams.set("next", next);
    return u.href;
  }

  /* 401: the token is missing or expired; go to the login page and come back here afterwards. */
  function goLogin() {
    clearSession();
    location.href = loginUrl(location.pathname + location.search + location.hash);
  }

  /* Pages that need an account: without a token, put "请先登录（…）" into msgEl and return true. */
  function needLogin(msgEl, who) {
    if (token()) return false;
    msgEl.textContent = "";
    msgEl.appendChild(document.createTextNode("请先"));
    msgEl.appendChild(el("a", { href: loginUrl(location.pathname) }, "登录"));
    msgEl.appendChild(document.createTextNode(who || "。"));
    return true;
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === "class") e.className = attrs[k]; else e.setAttribute(k, attrs[k]);
    });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function renderUserBar() {
    var bar = document.getElementById("zjt-userbar");
    if (!bar) return;
    bar.textContent = "";
    var u = user();
    if (token() && u) {
      var who = u.name + (u.role_name ? "（" + u.role_name + "）" : "");
      bar.appendChild(el("span", { "class": "zjt-userbar__who" }, "当前用户：" + who));
      var out = el("button", { "type": "button", "class": "zjt-linkbtn" }, "退出");
      out.addEventListener("click", function () {
        clearSession();
        location.href = siteBase().href;
      });
      bar.appendChild(out);
    } else {
      bar.appendChild(el("span", { "class": "zjt-userbar__who" }, "未登录"));
      var a = el("a", { "href": loginUrl(location.pathname) }, "登录");
      bar.appendChild(a);
    }
  }

  window.ZJT = {
    request: request,
    ApiError: ApiError,
    token: token,
    user: user,
    setSession: setSession,
    clearSession: clearSession,
    goLogin: goLogin,
    needLogin: needLogin,
    loginUrl: loginUrl,
    siteUrl: siteUrl,
    siteBase: siteBase,
    uuid: uuid,
    el: el
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", renderUserBar);
  else renderUserBar();
})();
