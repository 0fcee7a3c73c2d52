/* The app shell on every page: each role's own navigation (header user menu with 退出, a link bar
   on desktop, a bottom tab bar on phones), Chinese dates, in-app dialogs and toasts.
   Plain ES2017; needs api.js (window.ZJT) first. The theme's tabs and sidebar are hidden by
   zjt.css: what a person may use depends on their role, which only the browser knows. */
(function () {
  "use strict";
  var api = window.ZJT;
  if (!api) return;
  var el = api.el;

  // --- Chinese dates: one style everywhere, 5月6日（周一） ---------------------------------
  var WEEK = "日一二三四五六";

  /* "2024-05-06" or an ISO instant -> a Date at that calendar day / instant in China time. */
  function parse(v) {
    if (v instanceof Date) return v;
    var s = String(v || "");
    if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return new Date(s + "T00:00:00+08:00");
    return new Date(s);
  }

  /* Fields of an instant in Asia/Shanghai, whatever the phone's own time zone is. */
  function parts(v) {
    var d = parse(v);
    var t = new Date(d.getTime() + 8 * 3600 * 1000);
    return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate(), w: t.getUTCDay(), h: t.getUTCHours(), mi: t.getUTCMinutes() };
  }

  function day(v) {
    if (!v) return "";
    var p = parts(v);
    return p.m + "月" + p.d + "日（周" + WEEK[p.w] + "）";
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hm(v) { var p = parts(v); return pad(p.h) + ":" + pad(p.mi); }
  function dayTime(v) { return day(v) + " " + hm(v); }

  /* A window's last day from its exclusive end: closes 3-27T00:00 -> 3月26日（周二）. */
  function lastDay(closes) {
    var p = parts(closes);
    if (p.h === 0 && p.mi === 0) return day(new Date(parse(closes).getTime() - 1));
    return dayTime(closes);
  }

  function range(a, b) { return a === b ? day(a) : day(a) + " 至 " + day(b); }

  // --- dialogs and toasts (never window.confirm: WeChat shows the host name in it) -----------

  /* dialog({title, body, ok, cancel, danger, input}) resolves true/false, or the typed text
     when `input` asks for one ({label, required, maxlength}). */
  function dialog(opts) {
    return new Promise(function (resolve) {
      var d = el("div", { "class": "zjt-dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "zjt-dialog-title" });
      var box = el("div", { "class": "zjt-dialog__box" });
      box.appendChild(el("h2", { id: "zjt-dialog-title", "class": "zjt-dialog__title" }, opts.title || "请确认"));
      if (opts.body) {
        if (typeof opts.body === "string") box.appendChild(el("p", null, opts.body));
        else box.appendChild(opts.body);
      }
      var input = null;
      var err = null;
      if (opts.input) {
        var lab = el("label", { "class": "zjt-field" }, opts.input.label || "");
        input = el("textarea", { rows: "3", maxlength: String(opts.input.maxlength || 200) });
        lab.appendChild(input);
        box.appendChild(lab);
        err = el("p", { "class": "zjt-field-error", role: "alert" });
        box.appendChild(err);
      }
      var bar = el("div", { "class": "zjt-dialog__actions" });
      var no = el("button", { type: "button", "class": "md-button" }, opts.cancel || "取消");
      var yes = el("button", { type: "button", "class": "md-button md-button--primary" + (opts.danger ? " zjt-danger" : "") }, opts.ok || "确定");
      bar.appendChild(no);
      bar.appendChild(yes);
      box.appendChild(bar);
      d.appendChild(box);
      var before = document.activeElement;
      function close(value) {
        document.removeEventListener("keydown", onKey, true);
        d.remove();
        document.body.classList.remove("zjt-modal-open");
        if (before && before.focus) before.focus();
        resolve(value);
      }
      function onKey(e) {
        if (e.key === "Escape") { e.preventDefault(); close(false); }
      }
      no.addEventListener("click", function () { close(false); });
      d.addEventListener("click", function (e) { if (e.target === d) close(false); });
      yes.addEventListener("click", function () {
        if (input) {
          var text = input.value.trim();
          if (opts.input.required && text.length < (opts.input.min || 2)) {
            err.textContent = opts.input.requiredText || "请填写" + (opts.input.label || "内容");
            input.focus();
            return;
          }
          close(text);
          return;
        }
        close(true);
      });
      document.addEventListener("keydown", onKey, true);
      document.body.appendChild(d);
      document.body.classList.add("zjt-modal-open");
      (input || yes).focus();
    });
  }

  var toastBox = null;
  function toast(text, kind) {
    if (!toastBox) {
      toastBox = el("div", { "class": "zjt-toasts", role: "status", "aria-live": "polite" });
      document.body.appendChild(toastBox);
    }
    var t = el("div", { "class": "zjt-toast" + (kind === "error" ? " zjt-toast--error" : "") }, text);
    toastBox.appendChild(t);
    setTimeout(function () { t.remove(); }, kind === "error" ? 6000 : 3000);
  }

  // --- who sees what --------------------------------------------------------------------------
  // Paths are relative to the site root. `links`: every page of the role (header menu and the
  // desktop bar); `tabs`: 3–5 of them for the phone's bottom bar. A link whose page is not built
  // (e.g. 消息 before the inbox exists) is left out.
  var B = ["county_bureau", "city_bureau", "province_bureau"];
  var SCHOOL = ["principal", "school_admin"];
  var GUIDE = "guide/";
  var NAV = {
    anonymous: {
      links: [["首页", ""], ["选课目录", "catalog/"], ["进程表", "calendar/"], ["使用指南", GUIDE], ["登录", "login/"]],
      tabs: [["首页", "", "home"], ["选课", "catalog/", "catalog"], ["进程表", "calendar/", "calendar"], ["登录", "login/", "user"]]
    },
    teacher: {
      links: [["工作台", "home/"], ["选课目录", "catalog/"], ["我的培训", "my/"], ["考勤与结业", "training/mine/"], ["我的学分", "credits/"], ["满意度测评", "quality/evaluate/"], ["扫码报到", "training/checkin/"], ["我的信息", "me/"], ["消息", "inbox/"], ["进程表", "calendar/"], ["使用指南", GUIDE + "teacher/"]],
      tabs: [["首页", "home/", "home"], ["选课", "catalog/", "catalog"], ["我的培训", "my/", "book"], ["消息", "inbox/", "message"]]
    },
    school: {
      links: [["工作台", "home/"], ["选课审核", "school/"], ["未完成培训", "training/reports/"], ["学分管理", "credits/school/"], ["本校教师", "records/teachers/"], ["信息更正", "records/corrections/"], ["数据异常", "records/anomalies/"], ["消息", "inbox/"], ["进程表", "calendar/"], ["选课目录", "catalog/"], ["使用指南", GUIDE + "school/"]],
      tabs: [["首页", "home/", "home"], ["审核", "school/", "check"], ["教师", "records/teachers/", "people"], ["消息", "inbox/", "message"]]
    },
    institution: {
      links: [["工作台", "home/"], ["项目申报", "apply/"], ["班期与复核", "institution/"], ["开班管理", "training/"], ["满意度测评结果", "quality/results/"], ["质量监控", "quality/monitoring/"], ["订单响应", "orders/institution/"], ["消息", "inbox/"], ["进程表", "calendar/"], ["选课目录", "catalog/"], ["使用指南", GUIDE + "institution/"]],
      tabs: [["首页", "home/", "home"], ["项目", "apply/", "edit"], ["班期", "institution/", "people"], ["订单", "orders/institution/", "folder"], ["消息", "inbox/", "message"]]
    },
    bureau: {
      links: [["工作台", "home/"], ["数据看板", "dashboard/"], ["项目审核", "review/"], ["受理扩班", "bureau/"], ["开班情况", "training/bureau/"], ["未完成培训", "training/reports/"], ["学分进度", "credits/bureau/"], ["培训质量报表", "quality/reports/"], ["满意度测评结果", "quality/results/"], ["质量监控", "quality/monitoring/"], ["订单需求", "orders/county/"], ["订单总览", "orders/centre/"], ["教师信息导入", "records/import/"], ["学校教师", "records/teachers/"], ["数据异常", "records/anomalies/"], ["账号与角色", "records/accounts/"], ["消息", "inbox/"], ["进程表", "calendar/"], ["选课目录", "catalog/"], ["使用指南", GUIDE + "bureau/"]],
      tabs: [["首页", "home/", "home"], ["看板", "dashboard/", "chart"], ["审核", "review/", "check"], ["订单", "orders/county/", "folder"], ["消息", "inbox/", "message"]]
    },
    centre: {
      links: [["工作台", "home/"], ["数据看板", "dashboard/"], ["订单总览", "orders/centre/"], ["质量监控", "quality/monitoring/"], ["培训质量报表", "quality/reports/"], ["满意度测评结果", "quality/results/"], ["数据异常", "records/anomalies/"], ["消息", "inbox/"], ["进程表", "calendar/"], ["选课目录", "catalog/"], ["使用指南", GUIDE + "bureau/"]],
      tabs: [["首页", "home/", "home"], ["看板", "dashboard/", "chart"], ["订单", "orders/centre/", "folder"], ["消息", "inbox/", "message"]]
    },
    // 省教师教育质量监控中心 (QA-1, issue 14): monitoring and the quality figures, read-only elsewhere.
    monitor: {
      links: [["工作台", "home/"], ["质量监控", "quality/monitoring/"], ["培训质量报表", "quality/reports/"], ["满意度测评结果", "quality/results/"], ["消息", "inbox/"], ["进程表", "calendar/"], ["选课目录", "catalog/"]],
      tabs: [["首页", "home/", "home"], ["监控", "quality/monitoring/", "check"], ["报表", "quality/reports/", "chart"], ["消息", "inbox/", "message"]]
    }
  };
  // Pages a role's bureau level does not use (the API would refuse them).
  var NOT_FOR = {
    county_bureau: ["orders/centre/", "records/import/"],
    city_bureau: ["orders/county/", "orders/centre/"],
    province_bureau: ["orders/county/"],
    principal: ["records/accounts/"]
  };
  // Who a role-only page is for, to say so when someone else opens it.
  var PAGE_FOR = {
    "home/": "已登录用户", "my/": "教师", "me/": "教师",
    "school/": "校长和学校管理员", "records/corrections/": "校长和学校管理员",
    "apply/": "培训机构", "institution/": "培训机构", "orders/institution/": "培训机构",
    "review/": "教育局", "bureau/": "教育局", "dashboard/": "教育局和省培训中心",
    "orders/county/": "县（市、区）教育局", "orders/centre/": "省培训中心和省教育厅",
    "records/import/": "省、市教育局", "records/accounts/": "学校管理员和教育局",
    "records/teachers/": "学校和教育局", "records/anomalies/": "学校和教育局",
    "training/": "培训机构", "training/qr/": "培训机构", "training/mine/": "教师",
    "training/checkin/": "教师", "training/reports/": "学校和教育局", "training/bureau/": "教育局",
    "quality/evaluate/": "教师", "quality/monitoring/": "监控中心、培训中心、培训机构和教育局",
    "quality/reports/": "教育局、培训中心和监控中心", "quality/results/": "培训机构、教育局和监控中心",
    "credits/": "教师", "credits/school/": "校长和学校管理员", "credits/bureau/": "教育局"
  };

  function group(role) {
    if (!role) return "anonymous";
    if (role === "teacher" || role === "institution" || role === "centre" || role === "monitor") return role;
    if (SCHOOL.indexOf(role) >= 0) return "school";
    if (B.indexOf(role) >= 0) return "bureau";
    return "anonymous";
  }

  var ICONS = {
    home: "m12 5.69 5 4.5V18h-2v-6H9v6H7v-7.81zM12 3 2 12h3v8h6v-6h2v6h6v-8h3",
    catalog: "M15.5 12c2.5 0 4.5 2 4.5 4.5 0 .88-.25 1.71-.69 2.4l3.08 3.1L21 23.39l-3.12-3.07c-.69.43-1.51.68-2.38.68-2.5 0-4.5-2-4.5-4.5s2-4.5 4.5-4.5m0 2a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5M13 4v8l-2.5-2.25L8 12V4H6v16h4c.54.81 1.23 1.5 2.03 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h12a2 2 0 0 1 2 2v7.81c-.58-.55-1.25-1-2-1.31V4z",
    book: "M12 3 1 9l4 2.18v6L12 21l7-3.82v-6l2-1.09V17h2V9zm6.82 6L12 12.72 5.18 9 12 5.28zM17 16l-5 2.72L7 16v-3.73L12 15l5-2.73z",
    message: "M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2m0 14H5.2L4 17.2V4h16z",
    chart: "M9 17H7v-7h2zm4 0h-2V7h2zm4 0h-2v-4h2zm2 2H5V5h14v14.1M19 3H5c-1.1 0-2 .9-2 2v14c0 1.1.9 2 2 2h14c1.1 0 2-.9 2-2V5c0-1.1-.9-2-2-2",
    check: "M19 3h-4.18C14.4 1.84 13.3 1 12 1s-2.4.84-2.82 2H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2m-7 0a1 1 0 1 1 0 2 1 1 0 0 1 0-2M7 7h10V5h2v14H5V5h2zm.5 6.5L9 12l2 2 4.5-4.5L17 11l-6 6z",
    people: "M12 3 1 9l4 2.18v6L12 21l7-3.82v-6l2-1.09V17h2V9zm6.82 6L12 12.72 5.18 9 12 5.28zM17 16l-5 2.72L7 16v-3.73L12 15l5-2.73z",
    folder: "M20 18H4V8h16m0-2h-8l-2-2H4c-1.11 0-2 .89-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V8a2 2 0 0 0-2-2",
    edit: "M8 12h8v2H8zm2 8H6V4h7v5h5v3.1l2-2V8l-6-6H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h4zm-2-2h4.1l.9-.9V16H8zm12.2-5c.1 0 .3.1.4.2l1.3 1.3c.2.2.2.6 0 .8l-1 1-2.1-2.1 1-1c.1-.1.2-.2.4-.2m0 3.9L14.1 23H12v-2.1l6.1-6.1z",
    calendar: "M7 11h2v2H7zm14-6v14c0 1.11-.89 2-2 2H5a2 2 0 0 1-2-2V5c0-1.1.9-2 2-2h1V1h2v2h8V1h2v2h1a2 2 0 0 1 2 2M5 7h14V5H5zm14 12V9H5v10zm-4-6v-2h2v2zm-4 0v-2h2v2zm-4 2h2v2H7zm8 2v-2h2v2zm-4 0v-2h2v2z",
    user: "M12 2A10 10 0 0 0 2 12a10 10 0 0 0 10 10 10 10 0 0 0 10-10A10 10 0 0 0 12 2M7.07 18.28c.43-.9 3.05-1.78 4.93-1.78s4.5.88 4.93 1.78A7.9 7.9 0 0 1 12 20c-1.86 0-3.57-.64-4.93-1.72m11.29-1.45c-1.43-1.74-4.9-2.33-6.36-2.33s-4.93.59-6.36 2.33A7.93 7.93 0 0 1 4 12c0-4.41 3.59-8 8-8s8 3.59 8 8c0 1.82-.62 3.5-1.64 4.83M12 6c-1.94 0-3.5 1.56-3.5 3.5S10.06 13 12 13s3.5-1.56 3.5-3.5S13.94 6 12 6m0 5a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3"
  };

  function icon(name) {
    var NS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    var p = document.createElementNS(NS, "path");
    p.setAttribute("d", ICONS[name] || ICONS.home);
    svg.appendChild(p);
    return svg;
  }

  /* The page path relative to the site root ("" for the home page, "my/" …). */
  function here() {
    var base = api.siteBase().pathname;
    var p = location.pathname;
    return p.indexOf(base) === 0 ? p.slice(base.length) : p.replace(/^\//, "");
  }

  /* Pages this build has (the theme's hidden navigation lists every page of mkdocs.yml). */
  var built = null;
  function exists(path) {
    if (path === "" || path === "home/" || path === "login/") return true;
    if (!built) {
      built = {};
      var base = api.siteBase();
      Array.prototype.forEach.call(document.querySelectorAll(".md-nav--primary a.md-nav__link[href]"), function (a) {
        var u = new URL(a.getAttribute("href"), location.href);
        if (u.pathname.indexOf(base.pathname) === 0) built[u.pathname.slice(base.pathname.length)] = true;
      });
    }
    return !!built[path];
  }

  function navFor(u) {
    var role = u && api.token() ? u.role : null;
    var conf = NAV[group(role)];
    var skip = NOT_FOR[role] || [];
    function keep(l) { return skip.indexOf(l[1]) < 0 && exists(l[1]); }
    return { role: role, links: conf.links.filter(keep), tabs: conf.tabs.filter(keep) };
  }

  function isCurrent(path) {
    var h = here();
    if (path === "") return h === "" || h === "index.html";
    // A project page belongs to the catalog.
    if (path === "catalog/" && h.indexOf("projects/") === 0) return true;
    return h === path || h === path + "index.html";
  }

  function link(label, path, cls) {
    var a = el("a", { href: api.siteUrl(path), "class": cls }, null);
    a.appendChild(document.createTextNode(label));
    if (isCurrent(path)) a.setAttribute("aria-current", "page");
    return a;
  }

  function logout() {
    api.clearSession();
    location.href = api.siteBase().href;
  }

  function renderUserMenu(nav, u) {
    var header = document.querySelector(".md-header__inner");
    var box = document.getElementById("zjt-userbar");
    if (!box) {
      box = el("div", { id: "zjt-userbar", "class": "zjt-userbar" });
    }
    box.textContent = "";
    box.className = "zjt-usermenu";
    if (header && box.parentNode !== header) {
      var anchor = header.querySelector(".md-search") || header.querySelector(".md-header__source");
      header.insertBefore(box, anchor || null);
    }
    if (!nav.role) {
      box.appendChild(link("登录", "login/", "zjt-usermenu__login"));
      return;
    }
    // 消息 with its unread badge (notifications' inboxLink), in the header on every page; the
    // count it fetches also fills the badge of the phone's 消息 tab.
    if (api.inboxLink && exists("inbox/")) {
      var inbox = api.inboxLink();
      inbox.className = "zjt-inbox-link zjt-header-inbox";
      inbox.setAttribute("aria-label", "消息");
      inbox.firstChild.textContent = "";
      inbox.insertBefore(icon("message"), inbox.firstChild);
      box.appendChild(inbox);
    }
    var btn = el("button", { type: "button", "class": "zjt-usermenu__button", "aria-haspopup": "true", "aria-expanded": "false", "aria-controls": "zjt-usermenu-list" });
    btn.appendChild(icon("user"));
    btn.appendChild(el("span", { "class": "zjt-usermenu__name" }, u.name));
    var list = el("div", { id: "zjt-usermenu-list", "class": "zjt-usermenu__list", hidden: "" });
    list.appendChild(el("p", { "class": "zjt-usermenu__who" }, u.name + (u.role_name ? "（" + u.role_name + "）" : "")));
    nav.links.forEach(function (l) { list.appendChild(link(l[0], l[1], "zjt-usermenu__item")); });
    var out = el("button", { type: "button", "class": "zjt-usermenu__item zjt-usermenu__logout" }, "退出");
    out.addEventListener("click", logout);
    list.appendChild(out);
    function toggle(open) {
      list.hidden = !open;
      btn.setAttribute("aria-expanded", open ? "true" : "false");
    }
    btn.addEventListener("click", function (e) { e.stopPropagation(); toggle(list.hidden); });
    document.addEventListener("click", function (e) { if (!box.contains(e.target)) toggle(false); });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") toggle(false); });
    box.appendChild(btn);
    box.appendChild(list);
  }

  function renderBar(nav) {
    var old = document.querySelector(".zjt-rolenav");
    if (old) old.remove();
    var bar = el("nav", { "class": "zjt-rolenav", "aria-label": "功能导航" });
    var inner = el("div", { "class": "md-grid zjt-rolenav__inner" });
    nav.links.forEach(function (l) { inner.appendChild(link(l[0], l[1], "zjt-rolenav__link")); });
    bar.appendChild(inner);
    var header = document.querySelector(".md-header");
    if (header && header.parentNode) header.parentNode.insertBefore(bar, header.nextSibling);
  }

  function renderTabs(nav) {
    var old = document.querySelector(".zjt-tabbar");
    if (old) old.remove();
    var bar = el("nav", { "class": "zjt-tabbar", "aria-label": "底部导航" });
    nav.tabs.forEach(function (t) {
      var a = link("", t[1], "zjt-tabbar__tab");
      a.textContent = "";
      a.appendChild(icon(t[2]));
      a.appendChild(el("span", { "class": "zjt-tabbar__label" }, t[0]));
      if (t[1] === "inbox/") a.appendChild(el("span", { "class": "zjt-badge", "data-zjt-unread": "", hidden: "" }));
      bar.appendChild(a);
    });
    document.body.appendChild(bar);
    document.body.classList.add("zjt-has-tabbar");
  }

  /* A role-only page opened by someone it is not for: say so instead of an API refusal. */
  function guard(nav) {
    var path = here().replace(/index\.html$/, "");
    var forWhom = PAGE_FOR[path];
    if (!forWhom) return;
    var mine = nav.links.some(function (l) { return l[1] === path; });
    if (mine || !nav.role) return;
    var content = document.querySelector(".md-content__inner");
    if (!content) return;
    var note = el("div", { "class": "admonition warning zjt-not-for-you" });
    note.appendChild(el("p", { "class": "admonition-title" }, "此页面供" + forWhom + "使用"));
    var p = el("p", null, "你的账号用不到这里的功能。");
    p.appendChild(link("回到我的工作台", "home/", ""));
    note.appendChild(p);
    content.insertBefore(note, content.firstChild);
  }

  /* A table that scrolls sideways must be reachable by keyboard (and named for screen readers). */
  function scrollables(rootNode) {
    var found = rootNode.querySelectorAll ? rootNode.querySelectorAll(".zjt-scroll, .md-typeset__scrollwrap") : [];
    Array.prototype.forEach.call(found, function (e) {
      if (e.hasAttribute("tabindex")) return;
      e.setAttribute("tabindex", "0");
      e.setAttribute("role", "region");
      e.setAttribute("aria-label", "表格（可左右滑动）");
    });
  }
  var watching = false;
  function watchScrollables() {
    scrollables(document);
    if (watching || !window.MutationObserver) return;
    watching = true;
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        Array.prototype.forEach.call(r.addedNodes, function (n) {
          if (n.nodeType !== 1) return;
          if (n.matches && n.matches(".zjt-scroll, .md-typeset__scrollwrap")) scrollables(n.parentNode || document);
          else scrollables(n);
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  function render() {
    var u = api.user();
    var nav = navFor(u);
    document.documentElement.setAttribute("data-zjt-role", nav.role || "anonymous");
    renderUserMenu(nav, u);
    renderBar(nav);
    renderTabs(nav);
    guard(nav);
    watchScrollables();
    document.documentElement.classList.add("zjt-shell-ready");
  }

  api.day = day;
  api.hm = hm;
  api.dayTime = dayTime;
  api.lastDay = lastDay;
  api.dayRange = range;
  api.dialog = dialog;
  api.toast = toast;
  api.icon = icon;
  api.navFor = function () { return navFor(api.user()); };
  api.renderShell = render;

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
})();
