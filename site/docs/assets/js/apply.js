/* 项目申报: drafts (POST/PUT /api/projects), submit with field-by-field errors, my projects,
 * change requests for published projects and timetable publication (CH-4). Plain ES2017. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-apply");
  if (!root) return;
  var api = window.ZJT;
  var el = api.el;
  var msgEl = root.querySelector(".zjt-msg");
  var quotaEl = root.querySelector(".zjt-quota");
  var listEl = root.querySelector(".zjt-projects");
  var form = root.querySelector(".zjt-form");
  var STATUS = { draft: "草稿", submitted: "已提交，待审核", returned: "已退回，请修改后重新提交",
    approved: "审核通过，待发布", published: "已发布" };
  var FORMS = ["面授", "线上", "混合"];
  var CHANGE_KINDS = { form: "培训形式", dates: "班期日期", place: "培训地点", instructors: "授课教师",
    timetable: "课程表", other: "其他" };
  var current = null; // the record being edited (null: a new draft)
  // What the form's pickers offer: the controlled vocabularies (assets/vocab.json), the region
  // tree's cities and counties (data/regions.json) and the term (GET /api/phases); loaded when a
  // form is first opened.
  var V = null;
  var REGIONS = [];
  var TERM = "";
  /* The application in steps, each owning the fields whose errors it shows (by the first part
     of the error's field path); anything else belongs to the last step's list. */
  var STEPS = [
    { name: "基本信息", owns: ["title", "theme", "stage", "subject", "field", "level", "form", "credits_total",
      "credits_online", "b_certificate", "target", "segments"] },
    { name: "负责人与授课教师", owns: ["leader", "instructors"] },
    { name: "班期与课程表", owns: ["classes"] },
    { name: "收费", owns: ["fee"] },
    { name: "检查并提交", owns: [] }
  ];
  var step = 0;
  var seenUpTo = 0; // the furthest step opened: only those (and all after a submit) show counts
  var problems = []; // the last check's problems (a save with ?check=1, or a refused submit)
  var submitted = false; // a submit was refused: every step shows its count

  function show(text, kind) {
    msgEl.textContent = text || "";
    msgEl.className = "zjt-msg" + (kind ? " zjt-msg--" + kind : "");
  }

  function field(label, name, value, opts) {
    opts = opts || {};
    var wrap = el("label", { "class": "zjt-field" + (opts.type === "checkbox" ? " zjt-field--check" : ""), "data-field": name });
    var input;
    if (opts.options) {
      input = el("select", { name: name });
      fillSelect(input, opts.options, value);
    } else if (opts.type === "textarea") {
      input = el("textarea", { name: name, rows: "3" });
      input.value = value || "";
    } else {
      input = el("input", { name: name, type: opts.type || "text" });
      if (opts.type === "checkbox") input.checked = !!value;
      else input.value = value === null || value === undefined ? "" : value;
      if (opts.placeholder) input.placeholder = opts.placeholder;
    }
    if (opts.type === "checkbox") { wrap.appendChild(input); wrap.appendChild(document.createTextNode(label)); }
    else { wrap.appendChild(document.createTextNode(label)); wrap.appendChild(input); }
    wrap.appendChild(el("p", { "class": "zjt-field-error", role: "alert" }));
    return wrap;
  }

  /* A select's options ("请选择" first); a saved value the list no longer has stays selectable, so
     opening an old draft loses nothing (the server names it if it is not allowed). */
  function fillSelect(sel, options, value) {
    sel.textContent = "";
    sel.appendChild(el("option", { value: "" }, "请选择"));
    var seen = false;
    options.forEach(function (o) {
      var v = typeof o === "string" ? o : o.value;
      var op = el("option", { value: v }, typeof o === "string" ? o : o.label);
      if (v === value) { op.selected = true; seen = true; }
      sel.appendChild(op);
    });
    if (value && !seen) {
      var extra = el("option", { value: value }, value);
      extra.selected = true;
      sel.appendChild(extra);
    }
  }

  /* Several values from a list, as removable chips (参训学科, 参训地区): a select adds one. */
  function multiPick(label, name, values, options, hint) {
    var wrap = el("div", { "class": "zjt-field zjt-multi", "data-field": name });
    var chosen = (values || []).slice();
    var labelOf = {};
    options.forEach(function (o) { labelOf[o.value] = o.label; });
    var id = "zjt-pick-" + name.replace(/\W/g, "-");
    wrap.appendChild(el("label", { "for": id }, label));
    var sel = el("select", { id: id, "class": "zjt-multi__add" });
    var chips = el("div", { "class": "zjt-chips zjt-multi__chips" });
    function render() {
      sel.textContent = "";
      sel.appendChild(el("option", { value: "" }, chosen.length ? "再添加……" : hint));
      var group = null;
      options.forEach(function (o) {
        if (o.group !== undefined && (!group || group.label !== o.group)) {
          group = el("optgroup", { label: o.group });
          sel.appendChild(group);
        }
        if (chosen.indexOf(o.value) < 0) (o.group !== undefined ? group : sel).appendChild(el("option", { value: o.value }, o.label));
      });
      chips.textContent = "";
      chosen.forEach(function (v) {
        var b = el("button", { type: "button", "class": "zjt-chip zjt-chip--on", "data-value": v,
          "aria-label": "移除" + (labelOf[v] || v) }, (labelOf[v] || v) + " ×");
        b.addEventListener("click", function () { chosen.splice(chosen.indexOf(v), 1); render(); });
        chips.appendChild(b);
      });
    }
    sel.addEventListener("change", function () {
      if (sel.value && chosen.indexOf(sel.value) < 0) chosen.push(sel.value);
      render();
    });
    render();
    wrap.appendChild(sel);
    wrap.appendChild(chips);
    wrap.appendChild(el("p", { "class": "zjt-field-error", role: "alert" }));
    wrap._values = function () { return chosen.slice(); };
    return wrap;
  }

  /* Toggle chips for a short list (参训学段). */
  function toggles(label, name, values, options) {
    var wrap = el("div", { "class": "zjt-field zjt-multi", "data-field": name, role: "group", "aria-label": label });
    wrap.appendChild(el("span", null, label));
    var chips = el("div", { "class": "zjt-chips" });
    options.forEach(function (o) {
      var b = el("button", { type: "button", "class": "zjt-chip", "data-value": o,
        "aria-pressed": (values || []).indexOf(o) >= 0 ? "true" : "false" }, o);
      b.addEventListener("click", function () {
        b.setAttribute("aria-pressed", b.getAttribute("aria-pressed") === "true" ? "false" : "true");
      });
      chips.appendChild(b);
    });
    wrap.appendChild(chips);
    wrap.appendChild(el("p", { "class": "zjt-field-error", role: "alert" }));
    wrap._values = function () {
      return Array.prototype.filter.call(chips.children, function (b) { return b.getAttribute("aria-pressed") === "true"; })
        .map(function (b) { return b.getAttribute("data-value"); });
    };
    return wrap;
  }

  /* Semesters a segment may run in: this term and the next three (2024H1 = 2024年上半年). */
  function semesters() {
    var m = /^(\d{4})H([12])$/.exec(TERM);
    if (!m) return [];
    var y = Number(m[1]);
    var h = Number(m[2]);
    var out = [];
    for (var i = 0; i < 4; i++) {
      out.push({ value: y + "H" + h, label: y + "年" + (h === 1 ? "上" : "下") + "半年" });
      if (h === 2) { y += 1; h = 1; } else h = 2;
    }
    return out;
  }

  function regionOptions() {
    var cities = REGIONS.filter(function (r) { return !REGIONS.some(function (p) { return p.code === r.parent; }); });
    var out = [];
    cities.forEach(function (c) {
      out.push({ value: c.code, label: c.name + "（全市）", group: c.name });
      REGIONS.forEach(function (r) { if (r.parent === c.code) out.push({ value: r.code, label: r.name, group: c.name }); });
    });
    return out;
  }

  async function loadPickers() {
    if (V) return;
    var got = await Promise.all([
      api.vocab(),
      fetch(api.siteUrl("data/regions.json")).then(function (r) { return r.ok ? r.json() : []; }).catch(function () { return []; }),
      api.request("GET", "/phases").then(function (r) { return r.data.term; }).catch(function () { return ""; })
    ]);
    V = got[0];
    REGIONS = got[1];
    TERM = got[2];
  }

  function fieldset(title, name) {
    var fs = el("fieldset", { "data-field": name || "" });
    fs.appendChild(el("legend", null, title));
    if (name) fs.appendChild(el("p", { "class": "zjt-field-error", role: "alert" }));
    return fs;
  }

  function personFields(box, prefix, p, withEmployee) {
    p = p || {};
    var id = field("身份证号", prefix + ".id_number", p.id_number || "", { placeholder: "18位，用于专家库登记，不公开" });
    var look = el("button", { type: "button", "class": "md-button zjt-lookup" }, "从专家库调取");
    look.addEventListener("click", async function () {
      var v = id.querySelector("input").value.trim();
      if (!v) return;
      try {
        var res = await api.request("GET", "/people/" + encodeURIComponent(v));
        ["name", "title", "organisation"].forEach(function (k) {
          var i = box.querySelector('[name="' + prefix + "." + k + '"]');
          if (i && res.data[k]) i.value = res.data[k];
        });
      } catch (e) { if (e.status === 401) api.goLogin(); else window.alert(e.message); }
    });
    box.appendChild(id);
    box.appendChild(look);
    box.appendChild(field("姓名", prefix + ".name", p.name));
    box.appendChild(field("职称", prefix + ".title", p.title, { placeholder: "如 教授、副教授、正高级教师" }));
    box.appendChild(field("工作单位", prefix + ".organisation", p.organisation));
    if (withEmployee) box.appendChild(field("本机构正式在编在岗人员", prefix + ".formal_employee", p.formal_employee, { type: "checkbox" }));
  }

  function rows(fs, name, items, build, blank) {
    var holder = el("div", { "class": "zjt-rows" });
    fs.appendChild(holder);
    function add(item) {
      var i = holder.children.length;
      var row = el("div", { "class": "zjt-row", "data-field": name + "." + i });
      build(row, name + "." + i, item || blank());
      var rm = el("button", { type: "button", "class": "md-button" }, "删除");
      rm.addEventListener("click", function () { row.remove(); });
      row.appendChild(rm);
      holder.appendChild(row);
    }
    (items || []).forEach(add);
    var b = el("button", { type: "button", "class": "md-button zjt-add-" + name.replace(/\./g, "-") }, "添加");
    b.addEventListener("click", function () { add(null); });
    fs.appendChild(b);
  }

  /* The structured timetable editor of one class: a row per session (date within the class's
     dates, start and end times, topic, instructor chosen from this application's instructors). */
  function instructorNames() {
    return Array.prototype.map.call(form.querySelectorAll('.zjt-row[data-field^="instructors."] input[name$=".name"]'), function (i) {
      return i.value.trim();
    }).filter(Boolean);
  }

  function sessionEditor(classRow, sessions) {
    var box = el("div", { "class": "zjt-sessions" });
    box.appendChild(el("p", { "class": "zjt-sessions__title" }, "课程表"));
    var list = el("ol", { "class": "zjt-sessions__list" });
    box.appendChild(list);
    function bounds() {
      var s = classRow.querySelector('input[name$=".start_date"]');
      var e = classRow.querySelector('input[name$=".end_date"]');
      return { min: s ? s.value : "", max: e ? e.value : "" };
    }
    function pickInstructor(sel, value) {
      var names = instructorNames();
      sel.textContent = "";
      sel.appendChild(el("option", { value: "" }, "（不指定）"));
      names.concat(value && names.indexOf(value) < 0 ? [value] : []).forEach(function (n) {
        var o = el("option", { value: n }, n);
        if (n === value) o.selected = true;
        sel.appendChild(o);
      });
    }
    function add(x) {
      x = x || {};
      var li = el("li", { "class": "zjt-session" });
      var b = bounds();
      var day = el("input", { type: "date", "data-k": "day", "aria-label": "日期" });
      day.value = x.day || b.min || "";
      if (b.min) day.min = b.min;
      if (b.max) day.max = b.max;
      var start = el("input", { type: "time", "data-k": "start", "aria-label": "开始时间" });
      start.value = (x.start || "09:00").slice(0, 5);
      var end = el("input", { type: "time", "data-k": "end", "aria-label": "结束时间" });
      end.value = (x.end || "11:30").slice(0, 5);
      var topic = el("input", { type: "text", "data-k": "topic", "aria-label": "内容", placeholder: "内容", maxlength: "60" });
      topic.value = x.topic || "";
      var who = el("select", { "data-k": "instructor", "aria-label": "授课教师" });
      pickInstructor(who, x.instructor || "");
      who.addEventListener("focus", function () { pickInstructor(who, who.value); });
      var rm = el("button", { type: "button", "class": "md-button zjt-session__rm", "aria-label": "删除此课时" }, "删除");
      rm.addEventListener("click", function () { li.remove(); });
      [day, start, end, topic, who].forEach(function (i) {
        var w = el("label", { "class": "zjt-field zjt-session__" + i.getAttribute("data-k") });
        w.appendChild(document.createTextNode(i.getAttribute("aria-label")));
        w.appendChild(i);
        w.appendChild(el("p", { "class": "zjt-field-error", role: "alert" }));
        li.appendChild(w);
      });
      li.appendChild(rm);
      list.appendChild(li);
    }
    (sessions || []).forEach(add);
    var more = el("button", { type: "button", "class": "md-button zjt-session__add" }, "添加课时");
    more.addEventListener("click", function () { add(null); });
    box.appendChild(more);
    classRow._sessions = {
      value: function () {
        return Array.prototype.map.call(list.children, function (li) {
          var o = {};
          li.querySelectorAll("[data-k]").forEach(function (i) { o[i.getAttribute("data-k")] = i.value.trim(); });
          return o;
        });
      },
      /* Error fields (classes.0.timetable.2.day) find the session's inputs. */
      renumber: function (prefix) {
        Array.prototype.forEach.call(list.children, function (li, j) {
          li.setAttribute("data-field", prefix + ".timetable." + j);
          li.querySelectorAll("label.zjt-field").forEach(function (w) {
            w.setAttribute("data-field", prefix + ".timetable." + j + "." + w.querySelector("[data-k]").getAttribute("data-k"));
          });
        });
      }
    };
    return box;
  }

  /* Fees: the total is the sum of the items (nothing beyond the stated items may be charged). */
  function sumFees() {
    var total = 0;
    var any = false;
    form.querySelectorAll('.zjt-row[data-field^="fee.items."] input[name$=".amount"]').forEach(function (i) {
      var v = parseFloat(i.value);
      if (!isNaN(v)) { total += v; any = true; }
    });
    var t = form.querySelector('[name="fee.total"]');
    if (!t) return;
    t.readOnly = any;
    if (any) t.value = (Math.round(total * 100) / 100).toFixed(2).replace(/\.00$/, "");
  }

  function section(i) {
    var sec = el("section", { "class": "zjt-wizard__step", "data-step": String(i) });
    sec.appendChild(el("h3", null, "第 " + (i + 1) + " 步（共 " + STEPS.length + " 步）：" + STEPS[i].name));
    return sec;
  }

  function renderForm(rec) {
    current = rec;
    step = 0;
    seenUpTo = 0;
    problems = [];
    submitted = false;
    var d = (rec && rec.draft) || {};
    var t = d.target || {};
    form.textContent = "";
    form.hidden = false;
    form.appendChild(el("h2", null, rec ? "编辑项目：" + (d.title || "未命名草稿") : "新建项目草稿"));
    var nav = el("ol", { "class": "zjt-wizard", "aria-label": "申报步骤" });
    STEPS.forEach(function (s, i) {
      var b = el("button", { type: "button", "class": "zjt-wizard__go", "data-step": String(i) });
      b.appendChild(el("span", { "class": "zjt-wizard__n" }, String(i + 1)));
      b.appendChild(el("span", { "class": "zjt-wizard__name" }, s.name));
      b.appendChild(el("span", { "class": "zjt-wizard__bad", hidden: "" }));
      b.addEventListener("click", function () { go(i); });
      nav.appendChild(el("li")).appendChild(b);
    });
    form.appendChild(nav);

    // 1. 基本信息: what the project is and whom it is for, from the vocabularies.
    var s0 = section(0);
    var basic = fieldset("项目");
    var grid = el("div", { "class": "zjt-grid" });
    grid.appendChild(field("项目名称", "title", d.title));
    grid.appendChild(field("培训主题", "theme", d.theme));
    var stage = field("学段", "stage", d.stage, { options: V.stages.concat([V.all_stages]) });
    var subject = field("学科", "subject", d.subject, { options: api.subjectsOf(V, d.stage) });
    stage.querySelector("select").addEventListener("change", function () {
      var sel = subject.querySelector("select");
      fillSelect(sel, api.subjectsOf(V, this.value), sel.value);
    });
    grid.appendChild(stage);
    grid.appendChild(subject);
    grid.appendChild(field("培训领域", "field", d.field, { options: V.fields }));
    grid.appendChild(field("培训层次", "level", d.level, { options: V.levels }));
    grid.appendChild(field("培训形式", "form", d.form, { options: FORMS }));
    grid.appendChild(field("总学分", "credits_total", d.credits_total, { type: "number" }));
    grid.appendChild(field("线上学分", "credits_online", d.credits_online, { type: "number" }));
    basic.appendChild(grid);
    basic.appendChild(field("B证项目（不占申报名额）", "b_certificate", d.b_certificate, { type: "checkbox" }));
    s0.appendChild(basic);

    var target = fieldset("参训对象", "target");
    target.appendChild(field("参训对象说明", "target.description", t.description, { placeholder: "如 全省小学语文骨干教师" }));
    target.appendChild(el("p", { "class": "zjt-hint" }, "学段、学科、地区不选即为不限；选课目录按这里的选择向教师推荐。"));
    target.appendChild(toggles("参训学段", "target.stages", t.stages, V.stages));
    target.appendChild(multiPick("参训学科", "target.subjects", t.subjects,
      V.subjects.map(function (x) { return { value: x.name, label: x.name }; }), "选择学科（不选为不限）"));
    target.appendChild(multiPick("参训地区", "target.region_codes", t.region_codes, regionOptions(), "选择地区（不选为不限）"));
    s0.appendChild(target);

    var segs = fieldset("分段实施（仅90学分集中培训，可跨学期）", "segments");
    rows(segs, "segments", d.segments, function (row, p, s) {
      row.appendChild(field("段名称", p + ".name", s.name));
      row.appendChild(field("学期", p + ".semester", s.semester, { options: semesters() }));
      row.appendChild(field("学分", p + ".credits", s.credits, { type: "number" }));
    }, function () { return {}; });
    s0.appendChild(segs);
    form.appendChild(s0);

    // 2. 负责人与授课教师
    var s1 = section(1);
    var leader = fieldset("项目负责人", "leader");
    personFields(leader, "leader", d.leader, true);
    s1.appendChild(leader);
    var inst = fieldset("授课教师", "instructors");
    rows(inst, "instructors", d.instructors, function (row, p, x) { personFields(row, p, x, false); },
      function () { return {}; });
    s1.appendChild(inst);
    form.appendChild(s1);

    // 3. 班期与课程表
    var s2 = section(2);
    var cls = fieldset("班期", "classes");
    rows(cls, "classes", d.classes && d.classes.length ? d.classes : [{}], function (row, p, c) {
      row.appendChild(field("班期名称", p + ".name", c.name, { placeholder: "第1期" }));
      row.appendChild(field("开班日期", p + ".start_date", c.start_date, { type: "date" }));
      row.appendChild(field("结束日期", p + ".end_date", c.end_date, { type: "date" }));
      row.appendChild(field("培训地点", p + ".place", c.place));
      row.appendChild(field("班额", p + ".capacity", c.capacity, { type: "number" }));
      var tt = el("div", { "data-field": p + ".timetable" });
      tt.appendChild(el("p", { "class": "zjt-field-error", role: "alert" }));
      tt.appendChild(sessionEditor(row, c.timetable));
      row.appendChild(tt);
    }, function () { return {}; });
    s2.appendChild(cls);
    form.appendChild(s2);

    // 4. 收费: items named as the fee standards name them; the total is their sum.
    var s3 = section(3);
    var fee = fieldset("收费（每位学员）", "fee");
    fee.appendChild(field("人均总额（元，按收费项目自动合计）", "fee.total", (d.fee || {}).total));
    var items = fieldset("收费项目", "fee.items");
    rows(items, "fee.items", (d.fee || {}).items, function (row, p, it) {
      row.appendChild(field("项目", p + ".name", it.name, { options: V.fee_items || [] }));
      row.appendChild(field("金额（元）", p + ".amount", it.amount));
    }, function () { return {}; });
    fee.appendChild(items);
    fee.addEventListener("input", sumFees);
    fee.addEventListener("click", function () { setTimeout(sumFees, 0); });  // a row added or removed
    s3.appendChild(fee);
    form.appendChild(s3);

    // 5. 检查并提交: what submitting would report now, each problem a link to its step.
    var s4 = section(4);
    s4.appendChild(el("p", { "class": "zjt-check-summary", role: "status" }));
    s4.appendChild(el("ul", { "class": "zjt-errors" }));
    form.appendChild(s4);

    var bar = el("div", { "class": "zjt-wizard__bar zjt-actions" });
    var prev = el("button", { type: "button", "class": "md-button zjt-prev" }, "上一步");
    var save = el("button", { type: "button", "class": "md-button zjt-save" }, "保存草稿");
    var next = el("button", { type: "button", "class": "md-button md-button--primary zjt-next" }, "下一步");
    var submit = el("button", { type: "button", "class": "md-button md-button--primary zjt-submit" }, "提交申报");
    prev.addEventListener("click", function () { go(step - 1); });
    save.addEventListener("click", function () { saveOnly(); });
    next.addEventListener("click", function () { nextStep(); });
    submit.addEventListener("click", function () { submitDraft(); });
    [prev, save, next, submit].forEach(function (b) { bar.appendChild(b); });
    form.appendChild(bar);
    form.appendChild(el("p", { "class": "zjt-msg zjt-step-msg", role: "status", "aria-live": "polite" }));
    sumFees();
    go(0);
  }

  function stepMsg(text, kind) {
    var m = form.querySelector(".zjt-step-msg");
    if (!m) return;
    m.textContent = text || "";
    m.className = "zjt-msg zjt-step-msg" + (kind ? " zjt-msg--" + kind : "");
  }

  function stepOf(f) {
    var head = (f || "").replace(/^draft\./, "").split(".")[0];
    for (var i = 0; i < STEPS.length; i++) if (STEPS[i].owns.indexOf(head) >= 0) return i;
    return STEPS.length - 1;
  }

  /* Each step's count of problems, for the steps already opened (all of them after a submit). */
  function paintCounts() {
    var counts = STEPS.map(function () { return 0; });
    problems.forEach(function (e) { counts[stepOf(e.field)] += 1; });
    form.querySelectorAll(".zjt-wizard__go").forEach(function (b, i) {
      var bad = b.querySelector(".zjt-wizard__bad");
      var show = counts[i] > 0 && i < STEPS.length - 1 && (submitted || i <= seenUpTo);
      bad.hidden = !show;
      bad.textContent = show ? String(counts[i]) : "";
      // Screen readers hear the count as words; the name stays the visible text plus it.
      if (show) bad.appendChild(el("span", { "class": "zjt-sr" }, " 处需要修改"));
      b.classList.toggle("zjt-wizard__go--bad", show);
    });
  }

  function go(i) {
    if (i < 0 || i >= STEPS.length) return;
    step = i;
    seenUpTo = Math.max(seenUpTo, i);
    form.querySelectorAll(".zjt-wizard__step").forEach(function (sec) {
      sec.hidden = Number(sec.getAttribute("data-step")) !== i;
    });
    form.querySelectorAll(".zjt-wizard__go").forEach(function (b, j) {
      if (j === i) b.setAttribute("aria-current", "step"); else b.removeAttribute("aria-current");
      b.classList.toggle("zjt-wizard__go--done", j < i);
    });
    var last = i === STEPS.length - 1;
    stepMsg("");
    form.querySelector(".zjt-prev").hidden = i === 0;
    form.querySelector(".zjt-next").hidden = last;
    form.querySelector(".zjt-submit").hidden = !last;
    paintCounts();
    form.scrollIntoView();
    if (last) checkAll();
  }

  function val(name) {
    var i = form.querySelector('[name="' + name + '"]');
    if (!i) return null;
    if (i.type === "checkbox") return i.checked;
    var v = i.value.trim();
    return v === "" ? null : v;
  }
  function picked(name) {
    var box = form.querySelector('[data-field="' + name + '"]');
    return box && box._values ? box._values() : [];
  }
  function num(name) { var v = val(name); return v === null ? null : Number(v); }

  function rowPrefixes(name) {
    var out = [];
    form.querySelectorAll('[data-field^="' + name + '."].zjt-row').forEach(function (r) {
      out.push(r.getAttribute("data-field"));
    });
    return out;
  }

  function person(prefix, withEmployee) {
    var p = { id_number: val(prefix + ".id_number"), name: val(prefix + ".name"), title: val(prefix + ".title"),
      organisation: val(prefix + ".organisation") };
    if (p.id_number) p.id_number = p.id_number.toUpperCase();
    if (withEmployee) p.formal_employee = !!val(prefix + ".formal_employee");
    return p;
  }

  /* Rows are renumbered in the order shown, so error fields (classes.0 …) match what is seen. */
  function renumber() {
    ["segments", "fee.items", "instructors", "classes"].forEach(function (name) {
      var i = 0;
      form.querySelectorAll('.zjt-row[data-field^="' + name + '."]').forEach(function (row) {
        var old = row.getAttribute("data-field");
        var now = name + "." + i++;
        if (old === now) return;
        row.setAttribute("data-field", now);
        row.querySelectorAll("[name],[data-field]").forEach(function (x) {
          ["name", "data-field"].forEach(function (a) {
            var v = x.getAttribute(a);
            if (v && v.indexOf(old + ".") === 0) x.setAttribute(a, now + v.slice(old.length));
          });
        });
      });
    });
  }

  function sessionsOf(prefix) {
    var row = form.querySelector('.zjt-row[data-field="' + prefix + '"]');
    if (!row || !row._sessions) return [];
    row._sessions.renumber(prefix);
    return row._sessions.value().filter(function (x) { return x.topic || x.day; });
  }

  function collect() {
    renumber();
    return {
      title: val("title"), theme: val("theme"), stage: val("stage"), subject: val("subject"),
      field: val("field"), level: val("level"), form: val("form"),
      credits_total: num("credits_total"), credits_online: num("credits_online"),
      b_certificate: !!val("b_certificate"),
      target: { description: val("target.description") || "", stages: picked("target.stages"),
        subjects: picked("target.subjects"), region_codes: picked("target.region_codes") },
      segments: rowPrefixes("segments").map(function (p) {
        return { name: val(p + ".name"), semester: val(p + ".semester"), credits: num(p + ".credits") };
      }),
      fee: { total: val("fee.total"), items: rowPrefixes("fee.items").map(function (p) {
        return { name: val(p + ".name") || "", amount: val(p + ".amount") || "0" };
      }) },
      leader: person("leader", true),
      instructors: rowPrefixes("instructors").map(function (p) { return person(p, false); }),
      classes: rowPrefixes("classes").map(function (p) {
        return { name: val(p + ".name"), start_date: val(p + ".start_date"), end_date: val(p + ".end_date"),
          place: val(p + ".place"), capacity: num(p + ".capacity"),
          timetable: sessionsOf(p) };
      })
    };
  }

  function clearErrors() {
    form.querySelectorAll(".zjt-field-error").forEach(function (e) { e.textContent = ""; });
    form.querySelectorAll(".zjt-field--invalid").forEach(function (e) { e.classList.remove("zjt-field--invalid"); });
    form.querySelector(".zjt-errors").textContent = "";
  }

  /* Each problem next to its field (or the nearest enclosing one), and all of them in the last
     step's list, each a link to the step that holds its field. */
  function showErrors(errors) {
    clearErrors();
    problems = errors;
    var list = form.querySelector(".zjt-errors");
    // Listed in the order of the steps (the server lists them rule by rule).
    errors.map(function (e, n) { return [stepOf(e.field), n, e]; })
      .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; })
      .map(function (x) { return x[2]; })
      .forEach(function (e) {
      var f = (e.field || "").replace(/^draft\./, "");
      var text = e.message || "内容不符合要求";
      var at = stepOf(f);
      var li = el("li");
      if (at < STEPS.length - 1) {
        var a = el("button", { type: "button", "class": "zjt-linkish" }, STEPS[at].name + "：" + text);
        a.addEventListener("click", function () { go(at); focusField(f); });
        li.appendChild(a);
      } else {
        li.textContent = text;
      }
      list.appendChild(li);
      // A problem of the whole project stays in the list: it marks no field.
      var target = fieldBox(f);
      if (!target) return;
      target.classList.add("zjt-field--invalid");
      var slot = target.querySelector(":scope > .zjt-field-error");
      if (slot) slot.textContent = (slot.textContent ? slot.textContent + "；" : "") + text;
    });
    paintCounts();
  }

  function fieldBox(f) {
    if (!f) return null;
    var target = null;
    var parts = f.split(".");
    while (parts.length && !target) {
      target = form.querySelector('[data-field="' + parts.join(".") + '"]');
      parts.pop();
    }
    return target;
  }

  function focusField(f) {
    var box = fieldBox(f);
    if (!box) return;
    var input = box.querySelector("input, select, textarea, button");
    box.scrollIntoView({ block: "center" });
    if (input) input.focus({ preventScroll: true });
  }

  /* Saves the draft; with `check`, also answers what submitting it would report now. */
  async function save(check) {
    var draft = collect();
    var q = check ? "?check=1" : "";
    var res;
    if (current) {
      res = await api.request("PUT", "/projects/" + encodeURIComponent(current.project_id) + q, { body: { version: current.version, draft: draft } });
    } else {
      res = await api.request("POST", "/projects" + q, { body: draft });
    }
    current = res.data;
    return res.data.problems || [];
  }

  function failed(e) {
    if (e.status === 401) { api.goLogin(); return; }
    if (e.body && e.body.errors) {
      showErrors(e.body.errors);
      var mine = e.body.errors.filter(function (x) { return stepOf(x.field) === step; });
      if (!mine.length && e.body.errors.length) go(stepOf(e.body.errors[0].field));
    }
    stepMsg(e.message, "error");
  }

  async function saveOnly() {
    try {
      await save(false);
      stepMsg("草稿已保存", "ok");
      load();
    } catch (e) { failed(e); }
  }

  /* 下一步: save, check, and move on unless this step still has problems (the steps above stay
     open to jump to: a draft need not be complete). */
  async function nextStep() {
    try {
      var found = await save(true);
      showErrors(found);
      var mine = found.filter(function (x) { return stepOf(x.field) === step; });
      if (mine.length) {
        stepMsg("草稿已保存。本步还有 " + mine.length + " 处需要修改（已标在对应栏目旁），也可以先填写其他步骤。", "error");
        focusField((mine[0].field || "").replace(/^draft\./, ""));
        return;
      }
      go(step + 1);
      if (step < STEPS.length - 1) stepMsg("草稿已保存", "ok");
      load();
    } catch (e) { failed(e); }
  }

  async function checkAll() {
    var summary = form.querySelector(".zjt-check-summary");
    summary.textContent = "正在检查……";
    try {
      var found = await save(true);
      showErrors(found);
      summary.textContent = found.length
        ? "还有 " + found.length + " 处需要修改，点击下面的问题可直接前往修改。"
        : "检查通过，可以提交申报。";
      summary.className = "zjt-check-summary zjt-msg zjt-msg--" + (found.length ? "error" : "ok");
    } catch (e) {
      summary.textContent = "";
      failed(e);
    }
  }

  async function submitDraft() {
    try {
      await save(false);
      var res = await api.request("POST", "/projects/" + encodeURIComponent(current.project_id) + "/submit", { body: { version: current.version } });
      current = res.data;
      show("已提交申报，等待教育局审核", "ok");
      form.hidden = true;
      load();
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      submitted = true;
      stepMsg(e.message, "error");
      if (e.body && e.body.errors) showErrors(e.body.errors);
      var summary = form.querySelector(".zjt-check-summary");
      if (summary && e.body && e.body.errors) {
        summary.textContent = "还有 " + e.body.errors.length + " 处需要修改，点击下面的问题可直接前往修改。";
        summary.className = "zjt-check-summary zjt-msg zjt-msg--error";
      }
    }
  }

  function changeForm(p) {
    var box = el("form", { "class": "zjt-change", novalidate: "" });
    box.appendChild(el("h4", null, "变更申请"));
    box.appendChild(field("变更类型", "kind", "", { options: Object.keys(CHANGE_KINDS).map(function (k) { return CHANGE_KINDS[k]; }) }));
    // Classes by their place in the project (第2期), not by id: ids end in -c<n>
    // (schemas.catalog.class_id_for).
    box.appendChild(field("班期", "class_id", "", { options: p.classes.map(function (c, i) {
      var n = /-c(\d+)$/.exec(c);
      return { value: c, label: "第" + (n ? n[1] : i + 1) + "期" };
    }) }));
    box.appendChild(field("新培训形式", "form", "", { options: FORMS }));
    box.appendChild(field("新开班日期", "start_date", "", { type: "date" }));
    box.appendChild(field("新结束日期", "end_date", "", { type: "date" }));
    box.appendChild(field("新地点", "place", ""));
    // The instructors after the change: the project's own are picked by name (their 职称 and
    // unit stay on the project page), only someone new is typed.
    var who = el("fieldset", { "class": "zjt-change-instructors" });
    who.appendChild(el("legend", null, "变更后的授课教师"));
    (p.instructors || []).forEach(function (x) {
      var about = [x.title, x.organisation].filter(Boolean).join("，");
      var cb = el("input", { type: "checkbox", name: "keep_instructor", value: x.name });
      cb.checked = true;
      var lab = el("label", { "class": "zjt-field zjt-field--check" });
      lab.appendChild(cb);
      lab.appendChild(document.createTextNode(x.name + (about ? "（" + about + "）" : "")));
      who.appendChild(lab);
    });
    who.appendChild(field("新增授课教师（姓名，用顿号分隔）", "instructors", ""));
    box.appendChild(who);
    box.appendChild(field("变更内容", "what", ""));
    box.appendChild(field("变更原因", "why", ""));
    var msg = el("p", { "class": "zjt-msg", role: "status" });
    var send = el("button", { type: "button", "class": "md-button" }, "提交变更申请");
    send.addEventListener("click", async function () {
      function v(n) { var x = box.querySelector('[name="' + n + '"]').value.trim(); return x || null; }
      var label = v("kind");
      var kind = Object.keys(CHANGE_KINDS).filter(function (k) { return CHANGE_KINDS[k] === label; })[0] || "other";
      var body = { kind: kind, what: v("what") || "", why: v("why") || "", class_id: v("class_id"), form: v("form"),
        start_date: v("start_date"), end_date: v("end_date"), place: v("place"), instructors: [] };
      if (kind === "instructors") {
        var kept = Array.prototype.map.call(box.querySelectorAll('input[name="keep_instructor"]:checked'), function (c) { return c.value; });
        var added = (v("instructors") || "").split(/[、,，\s]+/).filter(function (n) { return n && kept.indexOf(n) < 0; });
        body.instructors = kept.concat(added);
      }
      try {
        var res = await api.request("POST", "/projects/" + encodeURIComponent(p.project_id) + "/changes", { body: body });
        msg.textContent = res.data.status === "pending" ? "已提交，等待教育局审批" : "已变更并记录";
        msg.className = "zjt-msg zjt-msg--ok";
      } catch (e) {
        if (e.status === 401) { api.goLogin(); return; }
        msg.textContent = e.message + (e.body && e.body.errors ? "：" + e.body.errors.map(function (x) { return x.message || "内容不符合要求"; }).join("；") : "");
        msg.className = "zjt-msg zjt-msg--error";
      }
    });
    box.appendChild(send);
    box.appendChild(msg);
    return box;
  }

  function item(p) {
    var li = el("li", { "class": "zjt-project", "data-project": p.project_id });
    li.appendChild(el("h3", null, p.title));
    li.appendChild(el("p", { "class": "zjt-status zjt-status--" + p.status }, STATUS[p.status] || p.status));
    if (p.return_reason) li.appendChild(el("p", null, "退回原因：" + p.return_reason));
    if (p.status === "draft" || p.status === "returned") {
      var b = el("button", { type: "button", "class": "md-button zjt-edit" }, "编辑 / 提交");
      b.addEventListener("click", async function () {
        try {
          var res = await api.request("GET", "/projects/" + encodeURIComponent(p.project_id));
          await loadPickers();
          renderForm(res.data);
        } catch (e) { if (e.status === 401) api.goLogin(); else show(e.message, "error"); }
      });
      li.appendChild(b);
    }
    if (p.status === "published") {
      li.appendChild(el("a", { href: api.siteUrl("projects/" + encodeURIComponent(p.project_id) + "/") }, "查看发布页面"));
      var toggle = el("button", { type: "button", "class": "md-button zjt-change-open" }, "申请变更");
      toggle.addEventListener("click", function () { toggle.replaceWith(changeForm(p)); });
      li.appendChild(toggle);
    }
    return li;
  }

  // The project list: a name search and a status filter with counts (an institution may hold
  // dozens of projects a term).
  var projects = [];
  var status = "";
  var filtersEl = root.querySelector(".zjt-apply__filters");
  var qEl = root.querySelector(".zjt-apply__q");
  var chipsEl = root.querySelector(".zjt-apply__filters .zjt-chips");

  function renderList() {
    var q = qEl ? qEl.value.trim() : "";
    if (filtersEl) {
      filtersEl.hidden = projects.length < 2;
      chipsEl.textContent = "";
      [["", "全部"]].concat(Object.keys(STATUS).map(function (k) { return [k, STATUS[k].split("，")[0]]; })).forEach(function (f) {
        var n = projects.filter(function (p) { return !f[0] || p.status === f[0]; }).length;
        if (f[0] && !n) return;
        var b = el("button", { type: "button", "class": "zjt-chip", "aria-pressed": status === f[0] ? "true" : "false" }, f[1]);
        b.appendChild(el("span", { "class": "zjt-chip__count" }, String(n)));
        b.addEventListener("click", function () { status = f[0]; renderList(); });
        chipsEl.appendChild(b);
      });
    }
    listEl.textContent = "";
    projects.filter(function (p) {
      return (!status || p.status === status) && (!q || (p.title || "").indexOf(q) >= 0);
    }).forEach(function (p) { listEl.appendChild(item(p)); });
  }
  if (qEl) qEl.addEventListener("input", renderList);

  async function load() {
    if (api.needLogin(msgEl, "（培训机构账号）。")) return;
    try {
      var res = await api.request("GET", "/projects");
      var q = res.data.quota;
      quotaEl.textContent = "本学期申报名额：已用 " + q.used + " / " + q.cap + "（B证项目不占名额）";
      projects = res.data.projects;
      renderList();
      if (!msgEl.classList.contains("zjt-msg--ok") && !msgEl.classList.contains("zjt-msg--error")) show("");
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      show(e.message, "error");
    }
  }

  root.querySelector(".zjt-new").addEventListener("click", async function () {
    try {
      await loadPickers();
      renderForm(null);
    } catch (e) { show("表单所需的目录加载失败，请检查网络后重试", "error"); }
  });
  load();
})();
