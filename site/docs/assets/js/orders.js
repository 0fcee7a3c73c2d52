/* 订单式培训 pages: 订单需求 (county bureau), 订单响应 (institution), 订单总览 (centre).
 * Every rule is enforced by the API (functions/orders); these pages show its Chinese messages. */
(function () {
  "use strict";
  var api = window.ZJT;
  if (!api) return;
  var el = api.el;
  var FORMS = ["面授", "线上", "混合"];
  // Institutions by id, from the directory (GET /api/institutions) where the role may read it:
  // an order names its intended institutions by id, a page by name.
  var INST_NAMES = {};
  var FEE_ITEMS = ["住宿费", "伙食费", "培训费", "资料费", "交通费"];
  var STAGE_NAMES = { posted: "已报送", listed: "已公布待响应", picked: "已确定承训机构", submitted: "已正式申报", published: "已发布" };

  function say(node, text, kind) {
    node.textContent = text || "";
    node.className = "zjt-msg" + (kind ? " zjt-msg--" + kind : "");
  }

  /* Show an API failure: its Chinese message and, for 422, every problem with its field. */
  function fail(node, e, listParent) {
    if (e && e.status === 401) { api.goLogin(); return; }
    say(node, (e && e.message) || "操作失败", "error");
    if (!listParent) return;
    var old = listParent.querySelector(".zjt-errors");
    if (old) old.remove();
    var errs = (e && e.body && e.body.errors) || [];
    if (!errs.length) return;
    var ul = el("ul", { "class": "zjt-errors" });
    errs.forEach(function (x) {
      ul.appendChild(el("li", null, x.message || "提交的数据不符合要求"));
    });
    listParent.insertBefore(ul, listParent.firstChild);
  }

  /* The Chinese label of the form field an error names (never the field's internal name). */
  function labelOf(name) {
    var input = document.querySelector('[name="' + String(name).replace(/"/g, "") + '"]');
    var lab = input && input.closest(".zjt-field");
    var text = lab ? (lab.firstChild && lab.firstChild.textContent || "").trim() : "";
    return text || "填写内容";
  }

  function field(label, input, hint) {
    var p = el("p", { "class": "zjt-field" });
    var l = el("label");
    l.appendChild(el("span", { "class": "zjt-label" }, label));
    l.appendChild(input);
    p.appendChild(l);
    if (hint) p.appendChild(hint);
    return p;
  }

  // Inputs fill the column so the forms fit a 375-px phone screen.
  var FULL = "display:block;width:100%;max-width:28rem;box-sizing:border-box;margin:0.2em 0;padding:0.3em;font:inherit";

  function input(name, attrs) {
    var a = Object.assign({ name: name, type: "text" }, attrs || {});
    if (a.type !== "checkbox") a.style = FULL;
    return el("input", a);
  }

  function select(name, options, value) {
    var s = el("select", { name: name, style: FULL });
    options.forEach(function (o) {
      var opt = el("option", { value: o }, o || "请选择");
      if (o === value) opt.selected = true;
      s.appendChild(opt);
    });
    return s;
  }

  /* A textarea with a live character counter (OD-1: at most 200 characters). */
  function counted(name, max) {
    var t = el("textarea", { name: name, rows: "3", maxlength: String(max), style: FULL });
    var c = el("span", { "class": "zjt-muted zjt-counter", "data-for": name }, "0/" + max + " 字");
    t.addEventListener("input", function () {
      c.textContent = t.value.length + "/" + max + " 字";
    });
    return [t, c];
  }

  function facts(pairs) {
    var dl = el("dl", { "class": "zjt-facts" });
    pairs.forEach(function (p) {
      if (p[1] === undefined || p[1] === null || p[1] === "") return;
      dl.appendChild(el("dt", null, p[0]));
      dl.appendChild(el("dd", null, String(p[1])));
    });
    return dl;
  }

  function instName(id) {
    if (INST_NAMES[id]) return INST_NAMES[id];
    var u = api.user();
    return u && u.institution_id === id ? "本机构" : "其他培训机构";
  }

  /* The directory, once per page; a role that may not read it keeps the fallbacks above. */
  var directory = null;
  function loadDirectory() {
    if (!directory) {
      directory = api.request("GET", "/institutions").then(function (res) {
        res.data.institutions.forEach(function (i) { INST_NAMES[i.institution_id] = i.name; });
        return res.data.institutions;
      }).catch(function () { return null; });
    }
    return directory;
  }

  function orderFacts(o) {
    var f = o.form;
    return facts([
      ["县（市、区）", o.county_name],
      ["培训主题", f.theme],
      ["参训对象", f.target],
      ["学段学科", f.stage + " " + f.subject],
      ["培训领域", f.field],
      ["参训人数", f.trainees + " 人"],
      ["培训天数", f.days + " 天"],
      ["培训层次", f.level],
      ["培训形式", f.form],
      ["培训目标", f.goals],
      ["课程要求", f.course_requirements],
      ["意向机构", f.intended_institutions.length ? f.intended_institutions.map(instName).join("、") : "无"],
      ["联系人", f.contact + " " + f.mobile]
    ]);
  }

  async function guarded(msg, fn) {
    if (!api.token()) { api.goLogin(); return; }
    try { await fn(); } catch (e) { fail(msg, e); }
  }

  /* ---------------- 订单需求: county bureau ---------------- */
  function county(root) {
    var msg = root.querySelector(".zjt-msg");
    var counter = root.querySelector(".zjt-order-counter");
    var form = root.querySelector(".zjt-order-form");
    var list = root.querySelector(".zjt-order-list");
    var key = null;

    /* 学段, 学科, 培训领域 and 培训层次 from the controlled vocabularies (a stage offers its own
       subjects first); intended institutions picked by name from the directory. */
    async function buildForm() {
      var got = await Promise.all([api.vocab(), loadDirectory()]);
      var V = got[0];
      var insts = got[1];
      form.textContent = "";
      form.appendChild(field("申报单位", input("bureau_name")));
      form.appendChild(field("联系人", input("contact")));
      form.appendChild(field("手机", input("mobile", { inputmode: "numeric", maxlength: "11" })));
      form.appendChild(field("项目名称", input("title")));
      form.appendChild(field("培训主题", input("theme")));
      form.appendChild(field("参训对象", input("target")));
      var stage = select("stage", V.stages, "小学");
      var subject = select("subject", [""].concat(api.subjectsOf(V, "小学")), "");
      stage.addEventListener("change", function () {
        var keep = subject.value;
        var again = select("subject", [""].concat(api.subjectsOf(V, stage.value)), keep);
        subject.replaceWith(again);
        subject = again;
      });
      form.appendChild(field("学段", stage));
      form.appendChild(field("学科", subject));
      form.appendChild(field("培训领域", select("field", [""].concat(V.fields), "")));
      form.appendChild(field("参训人数", input("trainees", { type: "number", min: "1", inputmode: "numeric" })));
      form.appendChild(field("培训天数", input("days", { type: "number", min: "1", inputmode: "numeric" })));
      form.appendChild(field("培训层次", select("level", [""].concat(V.levels), "")));
      form.appendChild(field("培训形式", select("form", FORMS, "面授")));
      var g = counted("goals", 200);
      form.appendChild(field("培训目标（200字内）", g[0], g[1]));
      var c = counted("course_requirements", 200);
      form.appendChild(field("培训课程要求（200字内）", c[0], c[1]));
      var fs = el("fieldset", { "class": "zjt-intended", style: "min-width:0;margin:0.6em 0" });
      fs.appendChild(el("legend", null, "意向培训机构（最多 3 个；不选即为“无”）"));
      if (insts) {
        for (var i = 0; i < 3; i++) fs.appendChild(field("第 " + (i + 1) + " 意向", institutionSelect("intended." + i, insts)));
      } else {
        fs.appendChild(el("p", { "class": "zjt-muted" }, "培训机构名录暂时无法加载，请稍后刷新页面再选择。"));
      }
      form.appendChild(fs);
      var b = el("button", { type: "submit", "class": "md-button md-button--primary zjt-post-order" }, "报送订单");
      form.appendChild(b);
      var u = api.user();
      if (u && u.name) form.querySelector('[name="bureau_name"]').value = u.name;
    }

    /* Institutions by name, grouped by how far they reach; those that may not take orders stay
       visible but disabled, with the reason (OD-1). */
    function institutionSelect(name, insts) {
      var s = el("select", { name: name, style: FULL });
      s.appendChild(el("option", { value: "" }, "不选"));
      var groups = {};
      insts.forEach(function (x) {
        var g = groups[x.scope_text];
        if (!g) { g = groups[x.scope_text] = el("optgroup", { label: x.scope_text }); s.appendChild(g); }
        var o = el("option", { value: x.institution_id }, x.name + (x.takes_orders ? "" : "（" + x.why_not_orders + "）"));
        if (!x.takes_orders) o.disabled = true;
        g.appendChild(o);
      });
      return s;
    }

    function collect() {
      var v = function (n) { var i = form.querySelector('[name="' + n + '"]'); return i ? i.value.trim() : ""; };
      var intended = [0, 1, 2].map(function (i) { return v("intended." + i); }).filter(function (x, i, all) {
        return x && all.indexOf(x) === i;
      });
      return {
        bureau_name: v("bureau_name"), contact: v("contact"), mobile: v("mobile"), title: v("title"),
        theme: v("theme"), target: v("target"), stage: v("stage"), subject: v("subject"),
        field: v("field"), trainees: parseInt(v("trainees"), 10) || 0, days: parseInt(v("days"), 10) || 0,
        level: v("level"), form: v("form"), goals: v("goals"),
        course_requirements: v("course_requirements"), intended_institutions: intended
      };
    }

    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      key = key || api.uuid();
      var b = form.querySelector(".zjt-post-order");
      b.disabled = true;
      say(msg, "正在报送……");
      try {
        var res = await api.request("POST", "/orders", { body: collect(), idempotencyKey: key });
        key = null;
        say(msg, "订单已报送：" + res.data.form.title, "ok");
        var errs = form.querySelector(".zjt-errors");
        if (errs) errs.remove();
        await buildForm();
        await load();
      } catch (e) {
        if (e.status && e.status < 500) key = null;
        fail(msg, e, form);
      } finally {
        b.disabled = false;
      }
    });

    function cell(text) { return el("td", null, text === undefined || text === null ? "" : String(text)); }

    async function showResponses(o, box) {
      box.textContent = "";
      var res = await api.request("GET", "/orders/" + encodeURIComponent(o.order_id) + "/responses");
      var rs = res.data.responses;
      if (!rs.length) { box.appendChild(el("p", null, "还没有机构响应。")); return; }
      var wrap = el("div", { "class": "zjt-scroll" });
      var t = el("table", { "class": "zjt-compare" });
      var head = el("tr");
      head.appendChild(el("th", null, "对比项"));
      rs.forEach(function (r) { head.appendChild(el("th", null, r.institution_name)); });
      t.appendChild(el("thead")).appendChild(head);
      var body = el("tbody");
      var rows = [
        ["方案名称", function (r) { return r.plan.title; }],
        ["状态", function (r) { return r.status_text; }],
        ["负责人", function (r) { return (r.plan.leader.name || "") + " " + (r.plan.leader.title || ""); }],
        ["授课教师", function (r) { return r.plan.instructors.map(function (p) { return p.name + (p.title ? "（" + p.title + "）" : ""); }).join("、"); }],
        ["班期日期", function (r) { var c = r.plan.classes[0] || {}; return (c.start_date || "") + " 至 " + (c.end_date || ""); }],
        ["培训地点", function (r) { return (r.plan.classes[0] || {}).place; }],
        ["班额", function (r) { return (r.plan.classes[0] || {}).capacity; }],
        ["学分", function (r) { return r.plan.credits_total + (r.plan.credits_online ? "（线上 " + r.plan.credits_online + "）" : ""); }],
        ["人均费用", function (r) { return r.plan.fee.total + " 元"; }],
        ["费用明细", function (r) { return r.plan.fee.items.map(function (i) { return i.name + " " + i.amount; }).join("；"); }]
      ];
      rows.forEach(function (row) {
        var tr = el("tr");
        tr.appendChild(el("th", null, row[0]));
        rs.forEach(function (r) { tr.appendChild(cell(row[1](r))); });
        body.appendChild(tr);
      });
      if (o.stage === "listed") {
        var tr = el("tr");
        tr.appendChild(el("th", null, "遴选"));
        rs.forEach(function (r) {
          var td = el("td");
          var b = el("button", { type: "button", "class": "md-button zjt-pick", "data-institution": r.institution_id }, "选定");
          b.addEventListener("click", function () { pick(o, r, b); });
          td.appendChild(b);
          tr.appendChild(td);
        });
        body.appendChild(tr);
      }
      t.appendChild(body);
      wrap.appendChild(t);
      box.appendChild(wrap);
    }

    async function pick(o, r, b) {
      if (!(await api.dialog({ title: "确定承训机构", body: "确定由" + r.institution_name + "承接「" + o.form.title + "」吗？其他响应机构将被告知未中选。", ok: "确定承接" }))) return;
      b.disabled = true;
      try {
        await api.request("POST", "/orders/" + encodeURIComponent(o.order_id) + "/pick", { body: { institution_id: r.institution_id } });
        say(msg, "已确定承训机构：" + r.institution_name, "ok");
        await load();
      } catch (e) { fail(msg, e); b.disabled = false; }
    }

    async function publish(o, b) {
      if (!(await api.dialog({ title: "发布订单式项目", body: "审核通过并发布「" + o.form.title + "」为本县订单式项目吗？", ok: "发布" }))) return;
      b.disabled = true;
      say(msg, "正在发布……");
      try {
        var res = await api.request("POST", "/orders/" + encodeURIComponent(o.order_id) + "/publish");
        say(msg, "已发布为订单式项目，选课目录发布中……");
        await load();
        var st = await api.followPublication(function (text, kind) {
          say(msg, "已发布为订单式项目，本县教师可在选课时选择；" + text, kind);
        });
        if (st && st.state === "published") {
          var a = el("a", { href: api.siteUrl("projects/" + encodeURIComponent(res.data.project_id) + "/"), "class": "zjt-published-link" }, "查看项目页面");
          msg.appendChild(document.createTextNode(" "));
          msg.appendChild(a);
        }
      } catch (e) { fail(msg, e); b.disabled = false; }
    }

    function item(o) {
      var li = el("li", { "class": "zjt-order", "data-order": o.order_id });
      li.appendChild(el("h3", null, o.form.title));
      li.appendChild(el("p", { "class": "zjt-status zjt-status--" + o.stage }, o.stage_text));
      li.appendChild(el("p", null, o.form.stage + o.form.subject + " · " + o.form.trainees + " 人 · " + o.form.days + " 天 · " + o.form.form + " · 响应 " + (o.responses || 0) + " 家"));
      if (o.form.intended_institutions.length) {
        li.appendChild(el("p", { "class": "zjt-intended-names" }, "意向机构：" + o.form.intended_institutions.map(instName).join("、")));
      }
      var box = el("div", { "class": "zjt-responses" });
      var actions = el("p", { "class": "zjt-order-actions" });
      if (o.responses) {
        var v = el("button", { type: "button", "class": "md-button zjt-show-responses" }, "查看响应（对比）");
        v.addEventListener("click", function () { guarded(msg, function () { return showResponses(o, box); }); });
        actions.appendChild(v);
      }
      if (o.stage === "submitted") {
        var p = el("button", { type: "button", "class": "md-button md-button--primary zjt-publish" }, "审核并发布");
        p.addEventListener("click", function () { publish(o, p); });
        actions.appendChild(p);
      }
      if (o.project_id) {
        actions.appendChild(el("a", { href: api.siteUrl("projects/" + encodeURIComponent(o.project_id) + "/") }, "项目页面"));
      }
      li.appendChild(actions);
      li.appendChild(box);
      return li;
    }

    async function load() {
      var res = await api.request("GET", "/orders");
      var d = res.data;
      counter.textContent = d.county_name + "已报送 " + d.posted + " 个订单（每县至少 " + d.required + " 个）" +
        (d.missing ? "，还差 " + d.missing + " 个" : "，已达到要求");
      counter.className = "zjt-order-counter" + (d.missing ? " zjt-msg--error" : " zjt-msg--ok");
      list.textContent = "";
      d.orders.forEach(function (o) { list.appendChild(item(o)); });
      if (!d.orders.length) list.appendChild(el("li", null, "还没有报送订单。"));
      if (msg.textContent === "正在加载……") say(msg, "");
    }

    guarded(msg, async function () {
      await buildForm();
      await load();
    });
  }

  /* ---------------- 订单响应: institution ---------------- */
  function planForm(o, plan, onSend, buttons) {
    var f = o.form;
    var form = el("form", { "class": "zjt-plan-form", novalidate: "" });
    var p = plan || {};
    var leader = p.leader || {};
    var ins = p.instructors || [];
    var klass = (p.classes || [])[0] || {};
    var fee = {};
    ((p.fee || {}).items || []).forEach(function (i) { fee[i.name] = i.amount; });
    var add = function (label, name, value, attrs) {
      var i = input(name, attrs);
      if (value !== undefined && value !== null) i.value = value;
      form.appendChild(field(label, i));
      return i;
    };
    form.appendChild(el("p", { "class": "zjt-muted" }, "一单一方案：学段 " + f.stage + "、学科 " + f.subject + "、形式 " + f.form + "、" + f.trainees + " 人、" + f.days + " 天，1 个班期。"));
    add("方案名称", "title", p.title || f.title);
    add("培训主题", "theme", p.theme || f.theme);
    add("培训领域", "field", p.field || f.field);
    add("培训层次", "level", p.level || f.level);
    add("参训对象", "target", (p.target || {}).description || f.target);
    add("总学分", "credits_total", p.credits_total, { type: "number", min: "1", inputmode: "numeric" });
    add("其中线上学分", "credits_online", p.credits_online || 0, { type: "number", min: "0", inputmode: "numeric" });
    var fs = el("fieldset", { style: "min-width:0;margin:0.6em 0" });
    fs.appendChild(el("legend", null, "人均收费（元，不填即不收）"));
    FEE_ITEMS.forEach(function (n) {
      var i = input("fee." + n, { type: "number", min: "0", step: "0.01", inputmode: "decimal" });
      if (fee[n] !== undefined) i.value = fee[n];
      fs.appendChild(field(n, i));
    });
    form.appendChild(fs);
    var lf = el("fieldset", { style: "min-width:0;margin:0.6em 0" });
    lf.appendChild(el("legend", null, "项目负责人"));
    [["姓名", "leader.name", leader.name], ["身份证号", "leader.id_number", leader.id_number], ["职称", "leader.title", leader.title], ["单位", "leader.organisation", leader.organisation]].forEach(function (x) {
      var i = input(x[1]);
      if (x[2]) i.value = x[2];
      lf.appendChild(field(x[0], i));
    });
    var emp = el("input", { type: "checkbox", name: "leader.formal_employee" });
    emp.checked = !!leader.formal_employee;
    lf.appendChild(field("本机构正式在编在岗", emp));
    form.appendChild(lf);
    for (var n = 0; n < 2; n++) {
      var inf = el("fieldset", { style: "min-width:0;margin:0.6em 0" });
      var x = ins[n] || {};
      inf.appendChild(el("legend", null, "授课教师 " + (n + 1)));
      [["姓名", "name"], ["身份证号", "id_number"], ["职称", "title"], ["单位", "organisation"]].forEach(function (y) {
        var i = input("instructors." + n + "." + y[1]);
        if (x[y[1]]) i.value = x[y[1]];
        inf.appendChild(field(y[0], i));
      });
      form.appendChild(inf);
    }
    var cf = el("fieldset", { style: "min-width:0;margin:0.6em 0" });
    cf.appendChild(el("legend", null, "班期"));
    var start = input("class.start_date", { type: "date" });
    if (klass.start_date) start.value = klass.start_date;
    cf.appendChild(field("开班日期", start));
    var endShow = el("span", { "class": "zjt-muted zjt-end-date" });
    function endDate() {
      if (!start.value) return "";
      var d = new Date(start.value + "T00:00:00Z");
      d.setUTCDate(d.getUTCDate() + f.days - 1);
      return d.toISOString().slice(0, 10);
    }
    start.addEventListener("input", function () { endShow.textContent = start.value ? "结束日期：" + endDate() : ""; });
    cf.appendChild(endShow);
    var place = input("class.place");
    if (klass.place) place.value = klass.place;
    cf.appendChild(field("培训地点", place));
    form.appendChild(cf);
    var bar = el("p", { "class": "zjt-plan-actions" });
    buttons.forEach(function (b) {
      var btn = el("button", { type: "button", "class": "md-button " + b.cls }, b.label);
      btn.addEventListener("click", function () { onSend(collect(), b.submit, btn, form); });
      bar.appendChild(btn);
    });
    form.appendChild(bar);
    endShow.textContent = start.value ? "结束日期：" + endDate() : "";

    function val(name) { var i = form.querySelector('[name="' + name + '"]'); return i ? i.value.trim() : ""; }
    function num(name) { var v = val(name); return v === "" ? null : Number(v); }
    function person(prefix) {
      return { name: val(prefix + ".name") || null, id_number: val(prefix + ".id_number") || null,
        title: val(prefix + ".title") || null, organisation: val(prefix + ".organisation") || null };
    }
    function collect() {
      var items = [];
      FEE_ITEMS.forEach(function (n) { var v = val("fee." + n); if (v !== "") items.push({ name: n, amount: v }); });
      var total = items.reduce(function (s, i) { return s + Math.round(Number(i.amount) * 100); }, 0) / 100;
      var l = person("leader");
      l.formal_employee = form.querySelector('[name="leader.formal_employee"]').checked;
      var people = [0, 1].map(function (k) { return person("instructors." + k); }).filter(function (q) { return q.name || q.id_number; });
      return {
        title: val("title"), theme: val("theme"), field: val("field"), level: val("level"),
        target: { description: val("target"), stages: [f.stage] },
        stage: f.stage, subject: f.subject, form: f.form,
        credits_total: num("credits_total"), credits_online: num("credits_online"),
        fee: { total: items.length ? total.toFixed(2) : null, items: items },
        leader: l, instructors: people,
        classes: [{ name: "第1期", start_date: val("class.start_date") || null, end_date: endDate() || null,
          place: val("class.place") || null, capacity: f.trainees }]
      };
    }
    return form;
  }

  function institution(root) {
    var msg = root.querySelector(".zjt-msg");
    var list = root.querySelector(".zjt-order-list");

    function item(o) {
      var li = el("li", { "class": "zjt-order", "data-order": o.order_id });
      li.appendChild(el("h3", null, o.form.title));
      li.appendChild(el("p", { "class": "zjt-status zjt-status--" + o.stage }, o.county_name + " · " + o.stage_text));
      var det = el("details");
      det.appendChild(el("summary", null, "订单详情"));
      det.appendChild(orderFacts(o));
      li.appendChild(det);
      var r = o.my_response;
      var note = el("p", { "class": "zjt-my-response" }, r ? "本机构：" + r.status_text : "本机构尚未响应");
      li.appendChild(note);
      var local = el("p", { "class": "zjt-msg", role: "status", "aria-live": "polite" });
      li.appendChild(local);
      var box = el("div", { "class": "zjt-plan" });
      var key = null;
      async function send(plan, submit, btn, form) {
        btn.disabled = true;
        say(local, "正在提交……");
        try {
          if (r) {
            await api.request("PUT", "/orders/" + encodeURIComponent(o.order_id) + "/response", { body: { plan: plan, submit: submit } });
            say(msg, submit ? "已正式申报：" + o.form.title : "已保存修改", "ok");
          } else {
            key = key || api.uuid();
            await api.request("POST", "/orders/" + encodeURIComponent(o.order_id) + "/responses", { body: { plan: plan }, idempotencyKey: key });
            say(msg, "已响应订单：" + o.form.title, "ok");
          }
          await load();
        } catch (e) {
          key = null;
          fail(local, e, form);
          btn.disabled = false;
        }
      }
      var open = function (label, cls, plan, buttons) {
        var b = el("button", { type: "button", "class": "md-button " + cls }, label);
        b.addEventListener("click", function () {
          box.textContent = "";
          box.appendChild(planForm(o, plan, send, buttons));
          b.remove();
        });
        li.appendChild(b);
      };
      if (!r && o.stage === "listed") {
        open("响应此订单", "zjt-respond", null, [{ label: "提交响应方案", cls: "md-button--primary zjt-send-response", submit: false }]);
      } else if (r && r.status === "picked") {
        open("修订方案并正式申报", "zjt-revise", r.plan, [
          { label: "保存修改", cls: "zjt-save-revision", submit: false },
          { label: "正式申报", cls: "md-button--primary zjt-submit-revision", submit: true }
        ]);
      }
      li.appendChild(box);
      return li;
    }

    async function load() {
      var res = await api.request("GET", "/orders/open");
      var d = res.data;
      list.textContent = "";
      if (!d.qualified) {
        say(msg, d.reason, "error");
        return;
      }
      d.orders.forEach(function (o) { list.appendChild(item(o)); });
      if (!d.orders.length) list.appendChild(el("li", null, "目前没有推送给本机构的订单。"));
      if (msg.textContent === "正在加载……") say(msg, "");
    }

    guarded(msg, load);
  }

  /* ---------------- 订单总览: provincial centre ---------------- */
  function centre(root) {
    var msg = root.querySelector(".zjt-msg");
    var stages = root.querySelector(".zjt-order-stages");
    var below = root.querySelector(".zjt-below tbody");
    var all = root.querySelector(".zjt-all tbody");

    function row(cells) {
      var tr = el("tr");
      cells.forEach(function (c) { tr.appendChild(el("td", null, String(c))); });
      return tr;
    }

    async function load() {
      var res = await api.request("GET", "/orders/overview");
      var d = res.data;
      stages.textContent = Object.keys(STAGE_NAMES).map(function (s) { return STAGE_NAMES[s] + " " + (d.by_stage[s] || 0); }).join(" · ");
      below.textContent = "";
      d.below_minimum.forEach(function (c) { below.appendChild(row([c.county_name, c.posted, c.missing])); });
      all.textContent = "";
      d.orders.forEach(function (o) {
        all.appendChild(row([o.county_name, o.form.title, o.form.stage + o.form.subject, o.form.trainees, o.stage_text]));
      });
      if (msg.textContent === "正在加载……") say(msg, "共 " + d.orders.length + " 个订单");
    }

    root.querySelector(".zjt-publish-list").addEventListener("click", async function (ev) {
      var b = ev.currentTarget;
      if (!(await api.dialog({ title: "公布订单清单", body: "公布订单清单后，订单将推送给相应的培训机构。确定公布吗？", ok: "公布" }))) return;
      b.disabled = true;
      guarded(msg, async function () {
        try {
          var res = await api.request("POST", "/orders/list");
          await load();
          say(msg, "已公布订单清单，新公布 " + res.data.listed.length + " 个订单", "ok");
        } finally { b.disabled = false; }
      });
    });

    root.querySelector(".zjt-export").addEventListener("click", function () {
      guarded(msg, async function () {
        var resp = await fetch("/api/orders/export", { headers: { Authorization: "Bearer " + api.token() } });
        if (!resp.ok) {
          var body = null;
          try { body = await resp.json(); } catch (e) { body = null; }
          throw new api.ApiError(resp.status, (body && body.code) || "http_" + resp.status, (body && body.message) || "导出失败", body);
        }
        var blob = await resp.blob();
        var a = el("a", { href: URL.createObjectURL(blob), download: "订单式培训项目订单.xlsx" });
        document.body.appendChild(a);
        a.click();
        a.remove();
        say(msg, "已导出", "ok");
      });
    });

    guarded(msg, load);
  }

  function start() {
    var c = document.getElementById("zjt-orders-county");
    if (c) county(c);
    var i = document.getElementById("zjt-orders-inst");
    if (i) institution(i);
    var z = document.getElementById("zjt-orders-centre");
    if (z) centre(z);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
