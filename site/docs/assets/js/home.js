/* 工作台: each role's home. The phase open now for this role and when it closes, the next one,
   and the to-dos with counts and deadlines, read from the APIs the role's pages use. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-home");
  if (!root) return;
  var api = window.ZJT;
  var el = api.el;
  var msgEl = root.querySelector(".zjt-msg");
  var phaseEl = root.querySelector(".zjt-home__phase");
  var todoTitle = root.querySelector(".zjt-home__todo-title");
  var todosEl = root.querySelector(".zjt-todos");
  var linksTitle = root.querySelector(".zjt-home__links-title");
  var linksEl = root.querySelector(".zjt-home__links");

  var SCHOOL = ["principal", "school_admin"];
  var BUREAUS = ["county_bureau", "city_bureau", "province_bureau"];
  // The phases each role acts in (or, for schools and bureaus, watches: selection rounds).
  var PHASES = {
    teacher: ["PH-R1", "PH-R2", "PH-TRAIN"],
    school: ["PH-R1", "PH-R1-SCHOOL", "PH-R2", "PH-R2-SCHOOL", "PH-TRAIN"],
    institution: ["PH-APPLY", "PH-ORDER-RESPOND", "PH-ORDER-REVISE", "PH-EXPAND-APPLY", "PH-R1-RECHECK", "PH-R2-RECHECK", "PH-TRAIN"],
    bureau: ["PH-REVIEW", "PH-PUBLISH", "PH-ORDER-DEMAND", "PH-ORDER-PICK", "PH-ORDER-PUBLISH", "PH-R1", "PH-R1-SCHOOL", "PH-EXPAND-ACCEPT", "PH-R2", "PH-R2-SCHOOL", "PH-TRAIN"],
    centre: ["PH-ORDER-DEMAND", "PH-ORDER-LIST", "PH-ORDER-RESPOND", "PH-ORDER-PICK", "PH-R1", "PH-R2", "PH-TRAIN"]
  };
  var COUNTY_ONLY = ["PH-ORDER-DEMAND", "PH-ORDER-PICK", "PH-ORDER-PUBLISH"];

  function group(role) {
    if (SCHOOL.indexOf(role) >= 0) return "school";
    if (BUREAUS.indexOf(role) >= 0) return "bureau";
    return role;
  }

  function phasesFor(role, windows) {
    var ids = PHASES[group(role)] || [];
    return windows.filter(function (w) {
      if (ids.indexOf(w.phase) < 0) return false;
      return !(COUNTY_ONLY.indexOf(w.phase) >= 0 && role !== "county_bureau" && group(role) === "bureau");
    });
  }

  function win(phases, id) {
    return (phases.windows || []).filter(function (w) { return w.phase === id; })[0] || null;
  }

  function openOf(phases, ids) {
    return ids.map(function (id) { return win(phases, id); }).filter(function (w) { return w && w.open; })[0] || null;
  }

  function renderPhase(role, phases) {
    phaseEl.textContent = "";
    var now = new Date(phases.now).getTime();
    var mine = phasesFor(role, phases.windows || []);
    var open = mine.filter(function (w) { return w.open; });
    var next = mine.filter(function (w) { return new Date(w.opens).getTime() > now; })
      .sort(function (a, b) { return new Date(a.opens) - new Date(b.opens); })[0];
    var card = el("div", { "class": "zjt-phasecard" });
    card.appendChild(el("p", { "class": "zjt-phasecard__term" }, (phases.term_name || "") + " · 今天 " + api.day(phases.now)));
    if (open.length) {
      open.forEach(function (w) {
        var p = el("p", { "class": "zjt-phasecard__now" });
        p.appendChild(el("strong", null, w.name));
        p.appendChild(document.createTextNode(" 进行中，截止 " + api.lastDay(w.closes)));
        card.appendChild(p);
      });
    } else {
      card.appendChild(el("p", { "class": "zjt-phasecard__now" }, "当前没有需要你办理的环节。"));
    }
    if (next) card.appendChild(el("p", { "class": "zjt-phasecard__next" }, "下一步：" + api.day(next.opens) + "起，" + next.name));
    var cal = el("a", { href: api.siteUrl("calendar/") }, "查看完整进程表");
    card.appendChild(el("p", null)).appendChild(cal);
    phaseEl.appendChild(card);
  }

  /* A to-do: count, what it is, until when, and where to do it. Urgent ones come first. */
  function todo(count, text, path, deadline, urgent) {
    return { count: count, text: text, path: path, deadline: deadline, urgent: !!urgent };
  }

  function renderTodos(items) {
    todosEl.textContent = "";
    items.sort(function (a, b) { return (b.urgent ? 1 : 0) - (a.urgent ? 1 : 0); });
    todoTitle.hidden = !items.length;
    items.forEach(function (t) {
      var li = el("li", { "class": "zjt-todo" + (t.urgent ? " zjt-todo--urgent" : "") });
      var a = el("a", { href: api.siteUrl(t.path), "class": "zjt-todo__link" });
      if (t.count !== null && t.count !== undefined) a.appendChild(el("span", { "class": "zjt-todo__count" }, String(t.count)));
      var body = el("span", { "class": "zjt-todo__body" });
      body.appendChild(el("span", { "class": "zjt-todo__text" }, t.text));
      if (t.deadline) body.appendChild(el("span", { "class": "zjt-todo__deadline" }, "截止 " + api.lastDay(t.deadline)));
      a.appendChild(body);
      li.appendChild(a);
      todosEl.appendChild(li);
    });
  }

  function renderLinks(nav) {
    linksEl.textContent = "";
    var links = nav.links.filter(function (l) { return l[1] !== "home/"; });
    linksTitle.hidden = !links.length;
    links.forEach(function (l) {
      var a = el("a", { "class": "zjt-card", href: api.siteUrl(l[1]) });
      a.appendChild(el("strong", null, l[0]));
      linksEl.appendChild(a);
    });
  }

  async function get(path) {
    try { return (await api.request("GET", path)).data || {}; } catch (e) {
      if (e.status === 401) throw e;
      return null;
    }
  }

  var HOLDING = ["pending", "school_approved", "confirmed"];

  async function teacherTodos(phases) {
    var out = [];
    var d = await get("/selections");
    var sels = (d && d.selections) || [];
    var held = sels.filter(function (s) { return HOLDING.indexOf(s.status) >= 0; });
    var waiting = sels.filter(function (s) { return s.status === "waitlisted"; });
    var max = phases.max_classes || 3;
    var round = openOf(phases, ["PH-R1", "PH-R2"]);
    if (round && held.length < max) {
      out.push(todo(max - held.length, "个班期还可选（已选 " + held.length + "/" + max + "）", "catalog/", round.closes, true));
    }
    var pending = held.filter(function (s) { return s.status === "pending"; }).length;
    if (pending) out.push(todo(pending, "个班期等待学校审核", "my/", null));
    if (waiting.length) out.push(todo(waiting.length, "个班期候补中", "my/", null));
    var confirmed = held.filter(function (s) { return s.status === "confirmed"; }).length;
    if (confirmed) out.push(todo(confirmed, "个班期已确认，请按时参加培训", "my/", null));
    if (!sels.length && !round) out.push(todo(null, "本学期还没有选课，先看看选课目录", "catalog/", null));
    var me = await get("/records/me");
    if (me && me.window && me.window.open && !me.open_request) {
      out.push(todo(null, "核对我的信息（学段、学科、职称），有误可申请更正", "me/", me.window.closes, true));
    }
    return out;
  }

  async function schoolTodos(phases) {
    var out = [];
    var d = await get("/school/selections");
    if (d) {
      var review = openOf(phases, ["PH-R1-SCHOOL", "PH-R2-SCHOOL"]);
      if (d.pending) {
        out.push(todo(d.pending, review ? "条选课待审核" : "条选课待审核（审核开始后办理）", "school/", review ? review.closes : null, !!review));
      }
      if (typeof d.not_selected === "number" && openOf(phases, ["PH-R1", "PH-R2"])) {
        out.push(todo(d.not_selected, "位教师尚未选课", "school/?status=none", null));
      }
    }
    var c = await get("/records/corrections?status=pending");
    if (c && c.requests && c.requests.length) {
      out.push(todo(c.requests.length, "条教师信息更正申请待处理", "records/corrections/", c.window && c.window.open ? c.window.closes : null, true));
    }
    return out;
  }

  async function institutionTodos(phases) {
    var out = [];
    var apply = openOf(phases, ["PH-APPLY"]);
    var d = await get("/projects");
    if (d && d.projects) {
      var drafts = d.projects.filter(function (p) { return p.status === "draft" || p.status === "returned"; }).length;
      var returned = d.projects.filter(function (p) { return p.status === "returned"; }).length;
      if (returned) out.push(todo(returned, "个项目被退回，请修改后重新提交", "apply/", apply ? apply.closes : null, true));
      if (drafts && apply) out.push(todo(drafts, "个草稿待提交申报", "apply/", apply.closes, true));
    }
    var c = await get("/institution/classes");
    if (c && c.classes) {
      var full = c.classes.filter(function (k) { return k.held >= k.capacity && k.waitlist > 0 && !k.expansion; }).length;
      var expand = openOf(phases, ["PH-EXPAND-APPLY"]);
      if (full && expand) out.push(todo(full, "个班期已满且有候补，可申请扩班", "institution/", expand.closes, true));
      var recheck = openOf(phases, ["PH-R1-RECHECK", "PH-R2-RECHECK"]);
      if (recheck) out.push(todo(c.classes.length, "个班期的选课待复核", "institution/", recheck.closes, true));
    }
    var respond = openOf(phases, ["PH-ORDER-RESPOND", "PH-ORDER-REVISE"]);
    if (respond) out.push(todo(null, respond.name, "orders/institution/", respond.closes, true));
    return out;
  }

  async function bureauTodos(role, phases) {
    var out = [];
    var r = await get("/reviews");
    if (r && r.projects) {
      var submitted = r.projects.filter(function (p) { return p.status === "submitted"; }).length;
      var approved = r.projects.filter(function (p) { return p.status === "approved"; }).length;
      var reviewWin = openOf(phases, ["PH-REVIEW"]);
      if (submitted) out.push(todo(submitted, "个项目待审核", "review/", reviewWin ? reviewWin.closes : null, !!reviewWin));
      var pub = openOf(phases, ["PH-PUBLISH"]);
      if (approved && pub) out.push(todo(approved, "个项目已通过，待发布", "review/", pub.closes, true));
    }
    var ch = await get("/changes");
    var pendingChanges = ch && ch.changes ? ch.changes.filter(function (c) { return c.status === "pending"; }).length : 0;
    if (pendingChanges) out.push(todo(pendingChanges, "条项目变更申请待审批", "review/", null, true));
    var ex = await get("/bureau/expansions");
    if (ex && ex.expansions) {
      var applied = ex.expansions.filter(function (e) { return e.state === "applied"; }).length;
      var acc = openOf(phases, ["PH-EXPAND-ACCEPT"]);
      if (applied) out.push(todo(applied, "个扩班申请待受理", "bureau/", acc ? acc.closes : null, !!acc));
    }
    if (role === "county_bureau") {
      var o = await get("/orders");
      var demand = openOf(phases, ["PH-ORDER-DEMAND"]);
      if (o && demand && o.missing) out.push(todo(o.missing, "个订单需求待报送（每县不少于 " + o.required + " 个）", "orders/county/", demand.closes, true));
      var pick = openOf(phases, ["PH-ORDER-PICK", "PH-ORDER-PUBLISH"]);
      if (pick) out.push(todo(null, pick.name, "orders/county/", pick.closes, true));
    }
    out.push(todo(null, "查看本地区选课进度和统计", "dashboard/", null));
    return out;
  }

  async function centreTodos(phases) {
    var out = [];
    var list = openOf(phases, ["PH-ORDER-LIST"]);
    var o = await get("/orders/overview");
    if (o && o.by_stage) {
      var posted = o.by_stage.posted || 0;
      if (posted && list) out.push(todo(posted, "个订单待公布", "orders/centre/", list.closes, true));
      if (o.below_minimum && o.below_minimum.length) out.push(todo(o.below_minimum.length, "个县（市、区）订单不足 " + o.required + " 个", "orders/centre/", null));
    }
    out.push(todo(null, "查看全省选课进度和统计", "dashboard/", null));
    return out;
  }

  async function load() {
    if (api.needLogin(msgEl, "后查看你的工作台。")) return;
    var u = api.user() || {};
    try {
      var phases = (await api.request("GET", "/phases", { auth: false })).data || {};
      renderPhase(u.role, phases);
      var g = group(u.role);
      var items = [];
      if (g === "teacher") items = await teacherTodos(phases);
      else if (g === "school") items = await schoolTodos(phases);
      else if (g === "institution") items = await institutionTodos(phases);
      else if (g === "bureau") items = await bureauTodos(u.role, phases);
      else if (g === "centre") items = await centreTodos(phases);
      renderTodos(items);
      msgEl.textContent = (u.name || "") + "，你好。" + (items.some(function (t) { return t.urgent; }) ? "以下事项请在截止前办理。" : "");
      if (api.navFor) renderLinks(api.navFor());
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msgEl.textContent = e.message;
    }
  }

  load();
})();
