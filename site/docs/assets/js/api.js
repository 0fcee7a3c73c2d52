/* Shared by every page: API fetch wrapper, token handling, the user bar, the search button.
   Plain ES2017. */
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

  /* A field error without a Chinese message (the request validator's own errors carry the
     validator's English `detail`): give it one from its type, so no English reaches a page. */
  var ERROR_TYPES = {
    missing: "必须填写", string_too_short: "内容太短", string_too_long: "内容太长",
    string_pattern_mismatch: "格式不正确", int_parsing: "应为整数", int_type: "应为整数",
    float_parsing: "应为数字", decimal_parsing: "应为数字", greater_than_equal: "数值太小",
    greater_than: "数值太小", less_than_equal: "数值太大", less_than: "数值太大",
    date_from_datetime_parsing: "日期格式不正确", date_parsing: "日期格式不正确", time_parsing: "时间格式不正确",
    bool_parsing: "应为是或否", enum: "不是可选的值", literal_error: "不是可选的值", too_short: "至少需要一项",
    too_long: "项目太多", extra_forbidden: "不能提交这一项", value_error: "内容不符合要求", json_invalid: "格式不正确"
  };
  function chinese(e) {
    if (!e || (e.message && !/[A-Za-z]{4,}/.test(e.message))) return;
    e.message = ERROR_TYPES[e.type] || "内容不符合要求";
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

  /* A 503 or 429 means the platform is busy right now (a popular class's seat counter takes
     only so many writes a second, and the server answers at once rather than queue). The request
     is sent again for the user, with the same Idempotency-Key (a write cannot happen twice),
     after Retry-After and a growing, jittered wait; opts.onRetry(n, seconds) lets the page say
     so calmly. After the last try the busy answer is the request's error as usual. */
  var BUSY = [429, 503];
  var BUSY_RETRIES = 4;
  var BUSY_MAX_WAIT = 16;

  function busyWait(resp, n) {
    var after = parseFloat(resp.headers.get("Retry-After") || "") || 1;
    var wait = Math.min(BUSY_MAX_WAIT, Math.max(after, 1) * Math.pow(2, n));
    return wait * (0.5 + Math.random() / 2);  // spread the retries of many phones apart
  }

  async function drain(resp) {
    try { await resp.arrayBuffer(); } catch (e) { /* the connection broke: nothing to read */ }
  }

  function sleep(seconds) {
    return new Promise(function (resolve) { setTimeout(resolve, seconds * 1000); });
  }

  /*
   * request("POST", "/selections", {body: {...}, idempotencyKey: k, onRetry: fn})
   * resolves {status, data}; rejects with ApiError. Writes get an Idempotency-Key (pass the same
   * key to retry a request whose outcome is unknown). auth: false sends no token. A busy answer
   * is retried for the user (see BUSY); busyRetries: 0 turns that off.
   */
  async function request(method, path, opts) {
    opts = opts || {};
    // X-Zjt-Page: the page asking, recorded with every ID number the answer shows in full
    // (the audit of functions/common/pi_audit.py: who, whose, when, which page).
    var headers = { "Accept": "application/json", "X-Zjt-Page": location.pathname };
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    var tok = opts.auth === false ? null : token();
    if (tok) headers["Authorization"] = "Bearer " + tok;
    if (method !== "GET" && method !== "HEAD") headers["Idempotency-Key"] = opts.idempotencyKey || uuid();
    var resp;
    var retries = opts.busyRetries === undefined ? BUSY_RETRIES : opts.busyRetries;
    for (var n = 0; ; n++) {
      try {
        resp = await fetch(API + path, init);
      } catch (e) {
        throw new ApiError(0, "network", STATUS_MESSAGES[0], null);
      }
      if (BUSY.indexOf(resp.status) < 0 || n >= retries) break;
      var wait = busyWait(resp, n);
      // Read the busy answer to its end before asking again: an unread body keeps its
      // connection busy (the browser has six per site) and the request open.
      await drain(resp);
      if (opts.onRetry) opts.onRetry(n + 1, wait);
      await sleep(wait);
    }
    var data = null;
    var type = resp.headers.get("Content-Type") || "";
    if (type.indexOf("json") >= 0) {
      try { data = await resp.json(); } catch (e) { data = null; }
    } else {
      await drain(resp);
    }
    if (!resp.ok) {
      var code = (data && data.code) || "http_" + resp.status;
      // Only the platform's own messages are Chinese: a gateway's or load balancer's own answer
      // ({"message": "Service Unavailable"}) gets the status's Chinese text instead.
      var own = data && typeof data.message === "string" && /[\u4e00-\u9fff]/.test(data.message);
      var msg = (own && data.message) || STATUS_MESSAGES[resp.status] ||
        STATUS_MESSAGES[resp.status >= 500 ? 500 : 400];
      if (data && Array.isArray(data.errors)) data.errors.forEach(chinese);
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

  /* The header's user menu and the role navigation belong to shell.js; re-render them when the
     session changes. */
  function renderUserBar() {
    if (window.ZJT && window.ZJT.renderShell) window.ZJT.renderShell();
  }

  /* 消息: a link to the inbox with the unread count (GET /api/inbox/unread), on every page.
     The count is kept for UNREAD_TTL ms in sessionStorage so moving between pages does not ask
     again; the inbox page updates it (showUnread) when messages are read. */
  var UNREAD_KEY = "zjt.unread";
  var UNREAD_TTL = 30000;

  function inboxLink() {
    var a = el("a", { href: siteUrl("inbox/"), "class": "zjt-inbox-link", id: "zjt-inbox-link" }, "消息");
    var badge = el("span", { "class": "zjt-badge", id: "zjt-inbox-badge", "aria-label": "未读消息" });
    badge.hidden = true;
    a.appendChild(badge);
    setTimeout(refreshUnread, 0);
    return a;
  }

  function showUnread(n) {
    try { sessionStorage.setItem(UNREAD_KEY, JSON.stringify({ n: n, at: Date.now() })); } catch (e) { /* private mode */ }
    // The header's badge and the phone's 消息 tab (shell.js) show the same count.
    var badges = Array.prototype.slice.call(document.querySelectorAll("#zjt-inbox-badge, [data-zjt-unread]"));
    badges.forEach(function (badge) {
      badge.textContent = n > 99 ? "99+" : String(n);
      badge.hidden = !n;
      badge.setAttribute("aria-label", n + " 条未读消息");
    });
    // The header link's name must contain the count it shows (WCAG 2.5.3, label in name).
    var link = document.getElementById("zjt-inbox-link");
    if (link && link.hasAttribute("aria-label")) {
      link.setAttribute("aria-label", n ? "消息 " + (n > 99 ? "99+" : String(n)) + " 条未读" : "消息");
    }
  }

  /* The unread count (a number), from the cache when fresh; null when not logged in. */
  async function unreadCount(fresh) {
    if (!token()) return null;
    if (!fresh) {
      try {
        var c = JSON.parse(sessionStorage.getItem(UNREAD_KEY) || "null");
        if (c && Date.now() - c.at < UNREAD_TTL) return c.n;
      } catch (e) { /* ignore */ }
    }
    var res = await request("GET", "/inbox/unread");
    return res.data.unread;
  }

  async function refreshUnread() {
    try {
      var n = await unreadCount(false);
      if (n !== null) showUnread(n);
    } catch (e) { /* the badge is a hint: a failed count shows none */ }
  }

  var WEEKDAYS = "日一二三四五六";
  /* An instant as the pages show it: 3月20日（周三）10:05, Beijing time. */
  function fmtWhen(iso) {
    var d = new Date(iso);
    var p = {};
    new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Shanghai", month: "numeric", day: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", weekday: "short" })
      .formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
    var wd = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(p.weekday);
    return p.month + "月" + p.day + "日（周" + WEEKDAYS[wd] + "）" + p.hour + ":" + p.minute;
  }

  /* Apache ECharts (vendored in assets/vendor/echarts) for the chart pages, fetched on first use
     so that no other page downloads it; one download however many charts ask at once. */
  var echartsLoading = null;
  function loadECharts() {
    if (window.echarts) return Promise.resolve(window.echarts);
    if (!echartsLoading) {
      echartsLoading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = siteUrl("assets/vendor/echarts/echarts.common.min.js");
        s.onload = function () { resolve(window.echarts); };
        s.onerror = function () { echartsLoading = null; reject(new Error("echarts")); };  // offline: try again next time
        document.head.appendChild(s);
      });
    }
    return echartsLoading;
  }

  /* A chart's figures as a table (headers, then a row a list of cells; no value shows —): the
     caller puts it in the box it needs (a scrolling region, a <details>). */
  function dataTable(headers, rows) {
    var t = el("table");
    var thead = el("thead");
    var tr = el("tr");
    headers.forEach(function (h) { tr.appendChild(el("th", { scope: "col" }, h)); });
    thead.appendChild(tr);
    t.appendChild(thead);
    var tb = el("tbody");
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (c) { row.appendChild(el("td", null, c === null || c === undefined ? "—" : String(c))); });
      tb.appendChild(row);
    });
    t.appendChild(tb);
    return t;
  }

  /* One headline figure of a dashboard (数据看板, 培训质量报告, 学分进度), added to `box`: the value,
     its label and an optional note under it. */
  function kpi(box, label, value, note) {
    var d = el("div", { "class": "zjt-kpi" });
    d.appendChild(el("span", { "class": "zjt-kpi__value" }, String(value)));
    d.appendChild(el("span", { "class": "zjt-kpi__label" }, label));
    if (note) d.appendChild(el("span", { "class": "zjt-kpi__note" }, note));
    box.appendChild(d);
  }

  /* The site is published by a worker after the request that asked for it: follow it
     (GET /api/site/publication) from 发布中 to 已发布, calling show(text, kind) at each step
     ("" while publishing, "ok" when done, "error" when it did not complete). */
  async function followPublication(show) {
    var wait = 1000;
    for (;;) {
      var st;
      try {
        st = (await request("GET", "/site/publication", { auth: false })).data;
      } catch (e) {
        show("暂时无法获取选课目录的发布进度，请稍后刷新页面查看", "error");
        return null;
      }
      if (st.state === "published") { show("选课目录已于 " + fmtWhen(st.finished_ms) + " 发布", "ok"); return st; }
      if (st.state === "failed") { show("选课目录发布未完成，请稍后再点一次发布", "error"); return st; }
      show("选课目录发布中……", "");
      await new Promise(function (resolve) { setTimeout(resolve, wait); });
      wait = Math.min(wait * 1.5, 5000);
    }
  }

  /* The search button in the header. search.js, and the index it reads, load only when the
     search is first opened: a first view carries neither. */
  var SEARCH_ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" aria-hidden="true">' +
    '<path d="M9.5 3A6.5 6.5 0 0 1 16 9.5c0 1.61-.59 3.09-1.56 4.23l.27.27h.79l5 5-1.5 1.5-5-5v-.79l-.27-.27' +
    'A6.52 6.52 0 0 1 9.5 16 6.5 6.5 0 0 1 3 9.5 6.5 6.5 0 0 1 9.5 3m0 2C7 5 5 7 5 9.5S7 14 9.5 14 14 12 14 9.5 12 5 9.5 5Z"/></svg>';
  var searchLoading = null;

  function openSearch() {
    if (window.ZJT.search) { window.ZJT.search.open(); return; }
    if (!searchLoading) {
      searchLoading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = siteUrl("assets/js/search.js");
        s.onload = resolve;
        s.onerror = function () { searchLoading = null; reject(new Error("search.js")); };
        document.head.appendChild(s);
      });
    }
    searchLoading.then(function () { window.ZJT.search.open(); }, function () { /* offline: try again on the next click */ });
  }

  function searchButton() {
    var header = document.querySelector(".md-header__inner");
    if (!header || document.getElementById("zjt-search-open")) return;
    var b = el("button", { type: "button", id: "zjt-search-open", "class": "md-header__button md-icon zjt-search-open",
      "aria-label": "搜索", title: "搜索" });
    b.innerHTML = SEARCH_ICON;
    b.addEventListener("click", openSearch);
    var title = header.querySelector(".md-header__title");
    header.insertBefore(b, title ? title.nextSibling : null);
  }

  /* The controlled vocabularies (assets/vocab.json, built from data/vocab.yaml): stages, subjects
     with the stages that teach them, fields and levels, as every form offers them and the server
     accepts them. Loaded once per page, when a form first needs it. */
  var vocabLoading = null;
  function vocab() {
    if (!vocabLoading) {
      vocabLoading = fetch(siteUrl("assets/vocab.json"), { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error("vocab.json " + r.status);
        return r.json();
      });
      vocabLoading.catch(function () { vocabLoading = null; });  // offline: try again next time
    }
    return vocabLoading;
  }

  /* A stage's subjects first (those taught in it, then the cross-subject ones); every subject
     for no stage or 全学段. */
  function subjectsOf(v, stage) {
    var all = v.subjects;
    if (!stage || stage === v.all_stages) return all.map(function (s) { return s.name; });
    return all.filter(function (s) { return s.stages.indexOf(stage) >= 0; })
      .concat(all.filter(function (s) { return !s.stages.length; }))
      .map(function (s) { return s.name; });
  }

  window.ZJT = {
    vocab: vocab,
    subjectsOf: subjectsOf,
    request: request,
    ApiError: ApiError,
    token: token,
    user: user,
    setSession: setSession,
    clearSession: clearSession,
    goLogin: goLogin,
    needLogin: needLogin,
    followPublication: followPublication,
    loginUrl: loginUrl,
    siteUrl: siteUrl,
    siteBase: siteBase,
    uuid: uuid,
    el: el,
    loadECharts: loadECharts,
    dataTable: dataTable,
    kpi: kpi,
    unreadCount: unreadCount,
    showUnread: showUnread,
    fmtWhen: fmtWhen,
    inboxLink: inboxLink
  };

  // The user menu and navigation are drawn by shell.js (loaded on every page after this file).
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", searchButton);
  else searchButton();
})();
