/* Teacher records pages (TD-1 … TD-3): 教师信息导入, 学校教师维护, 数据异常, 账号与角色. Plain ES2017. */
(function () {
  "use strict";
  var api = window.ZJT;
  if (!api) return;
  var el = api.el;

  function needLogin(msgEl) {
    if (api.token()) return false;
    msgEl.textContent = "请先登录。";
    api.goLogin();
    return true;
  }

  function fail(msgEl, e) {
    if (e && e.status === 401) { api.goLogin(); return; }
    msgEl.className = "zjt-msg zjt-msg--error";
    msgEl.textContent = (e && e.message) || "操作失败，请稍后重试";
  }

  function ok(msgEl, text) {
    msgEl.className = "zjt-msg zjt-msg--ok";
    msgEl.textContent = text;
  }

  async function scope() { return (await api.request("GET", "/records/scope")).data; }

  function option(value, text, selected) {
    var o = el("option", { value: value }, text);
    if (selected) o.selected = true;
    return o;
  }

  /* Raw fetch with the session token: file upload (bytes) and xlsx download (blob). */
  async function rawFetch(method, path, body, key) {
    var headers = { "Authorization": "Bearer " + api.token() };
    if (key) headers["Idempotency-Key"] = key;
    if (body) headers["Content-Type"] = "application/octet-stream";
    var resp;
    try {
      resp = await fetch("/api" + path, { method: method, headers: headers, body: body || undefined });
    } catch (e) {
      throw new api.ApiError(0, "network", "网络连接失败，请检查网络后重试", null);
    }
    if (!resp.ok) {
      var data = null;
      try { data = await resp.json(); } catch (e) { data = null; }
      throw new api.ApiError(resp.status, (data && data.code) || "http_" + resp.status,
        (data && data.message) || "操作失败（" + resp.status + "）", data);
    }
    return resp;
  }

  // --- 教师信息导入 -----------------------------------------------------------------------
  function importPage(root) {
    var msg = root.querySelector(".zjt-msg");
    var form = root.querySelector(".zjt-import-form");
    var progress = root.querySelector(".zjt-progress");
    var bar = progress.querySelector("progress");
    var barText = progress.querySelector(".zjt-progress__text");
    var summary = root.querySelector(".zjt-summary");
    var reportBox = root.querySelector(".zjt-report");
    var list = root.querySelector(".zjt-rows");
    var jobId = null;
    if (needLogin(msg)) return;

    scope().then(function (s) {
      if (!s.may_import) {
        msg.textContent = "只有省、市教育局管理员可以导入教师信息。当前账号：" + s.name + "（" + s.role_name + "）";
        return;
      }
      msg.textContent = "导入范围：" + (s.regions[0] ? s.regions[0].name : "") + "。请选择全国教师管理信息系统导出的文件。";
      form.hidden = false;
    }).catch(function (e) { fail(msg, e); });

    function showJob(job) {
      var total = job.total || 0;
      bar.max = total || 1;
      bar.value = job.processed || 0;
      barText.textContent = "已处理 " + (job.processed || 0) + " / " + total + " 行";
    }

    function showSummary(job) {
      var c = job.counts || {};
      summary.hidden = false;
      summary.textContent = "";
      summary.appendChild(el("p", { "class": "zjt-msg zjt-msg--ok" },
        "导入完成：新增 " + (c.created || 0) + "，更新 " + (c.updated || 0) + "，未变化 " +
        (c.unchanged || 0) + "，拒绝 " + (c.rejected || 0) + "（共 " + job.total + " 行）"));
    }

    async function loadReport(outcome) {
      var q = "/records/imports/" + encodeURIComponent(jobId) + "/report" + (outcome ? "?outcome=" + outcome : "");
      var data = (await api.request("GET", q)).data;
      list.textContent = "";
      if (!data.rows.length) list.appendChild(el("li", null, outcome === "rejected" ? "没有被拒绝的行。" : "没有记录。"));
      data.rows.forEach(function (r) {
        var li = el("li", { "class": "zjt-row zjt-row--" + r.outcome });
        li.appendChild(el("strong", null, "第 " + r.row + " 行 · " + r.outcome_text));
        li.appendChild(document.createTextNode(" " + (r.name || "") + " " + (r.id_masked || "")));
        if (r.reason) li.appendChild(el("p", { "class": "zjt-muted" }, r.reason));
        list.appendChild(li);
      });
      if (data.total > data.rows.length) list.appendChild(el("li", { "class": "zjt-muted" }, "仅显示前 " + data.rows.length + " 行，完整结果请下载 xlsx。"));
      reportBox.hidden = false;
    }

    reportBox.addEventListener("click", async function (ev) {
      var b = ev.target.closest("button");
      if (!b || !jobId) return;
      try {
        if (b.classList.contains("zjt-download")) {
          var only = b.getAttribute("data-outcome") || "";
          var resp = await rawFetch("GET", "/records/imports/" + encodeURIComponent(jobId) +
            "/report?format=xlsx" + (only ? "&outcome=" + only : ""));
          var blob = await resp.blob();
          var a = el("a", { href: URL.createObjectURL(blob), download: "导入结果-" + jobId + (only ? "-" + only : "") + ".xlsx" });
          document.body.appendChild(a);
          a.click();
          setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        } else {
          await loadReport(b.getAttribute("data-outcome"));
        }
      } catch (e) { fail(msg, e); }
    });

    var STATUS_TEXT = { uploading: "上传中", queued: "排队中", running: "导入中", done: "已完成", failed: "失败" };
    var sleep = function (ms) { return new Promise(function (r) { setTimeout(r, ms); }); };

    /* The job id stays in the address (#job=…), so a reload or a later visit shows the same
       import: it keeps running on the server whether or not this page stays open. */
    async function follow(id) {
      jobId = id;
      if (location.hash !== "#job=" + id) history.replaceState(null, "", "#job=" + encodeURIComponent(id));
      progress.hidden = false;
      var job;
      for (;;) {
        job = (await api.request("GET", "/records/imports/" + encodeURIComponent(id))).data;
        if (job.status === "done" || job.status === "failed") break;
        if (job.status === "uploading") {
          barText.textContent = "文件未上传完整，请重新选择文件导入。";
          return;
        }
        if (job.total) showJob(job);
        else { bar.removeAttribute("value"); barText.textContent = STATUS_TEXT[job.status] + "，正在读取文件……"; }
        await sleep(job.total > 20000 ? 2000 : 800);
      }
      if (job.status === "failed") {
        progress.hidden = true;
        fail(msg, { message: "导入失败：" + (job.message || "无法读取导入文件") });
        return;
      }
      showJob(job);
      msg.className = "zjt-msg";
      msg.textContent = "文件：" + job.file_name;
      showSummary(job);
      await loadReport(job.counts && job.counts.rejected ? "rejected" : "");
    }

    /* Parts are sent three at a time; a part that fails is sent again (the server keeps the
       last copy of each part, so a retry is harmless). */
    async function sendParts(job, file) {
      var next = 1, sent = 0;
      async function lane() {
        while (next <= job.parts) {
          var part = next++;
          var start = (part - 1) * job.part_size;
          var body = await file.slice(start, Math.min(start + job.part_size, file.size)).arrayBuffer();
          for (var attempt = 1; ; attempt++) {
            try {
              await rawFetch("PUT", "/records/imports/" + encodeURIComponent(job.job_id) + "/parts/" + part, body);
              break;
            } catch (e) {
              if (attempt >= 3 || (e.status && e.status < 500 && e.status !== 429)) throw e;
              await sleep(500 * attempt);
            }
          }
          sent++;
          bar.max = job.parts;
          bar.value = sent;
          barText.textContent = "正在上传 " + sent + " / " + job.parts + " 段";
        }
      }
      await Promise.all([lane(), lane(), lane()]);
    }

    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      var file = form.file.files[0];
      if (!file) { fail(msg, { message: "请选择要导入的文件" }); return; }
      var submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      summary.hidden = true;
      reportBox.hidden = true;
      progress.hidden = false;
      bar.removeAttribute("value");
      barText.textContent = "正在上传……";
      msg.className = "zjt-msg";
      msg.textContent = "正在上传文件，请勿关闭页面；上传完成后导入在服务器上继续进行。";
      try {
        var job = (await api.request("POST", "/records/imports",
          { body: { file_name: file.name, size: file.size }, idempotencyKey: api.uuid() })).data;
        if (job.status === "uploading") await sendParts(job, file);
        job = (await api.request("POST", "/records/imports/" + encodeURIComponent(job.job_id) + "/start")).data;
        msg.textContent = "上传完成，正在导入。可以离开本页，稍后用本页地址查看结果。";
        await follow(job.job_id);
      } catch (e) {
        progress.hidden = true;
        fail(msg, e);
      } finally {
        submit.disabled = false;
      }
    });

    var m = /^#job=([A-Za-z0-9_.:-]{2,80})$/.exec(location.hash);
    if (m) follow(decodeURIComponent(m[1])).catch(function (e) { fail(msg, e); });
  }

  // --- 学校教师维护 -----------------------------------------------------------------------
  function teachersPage(root) {
    var msg = root.querySelector(".zjt-msg");
    var pick = root.querySelector(".zjt-pick");
    var regionSel = pick.querySelector("select[name=region]");
    var schoolSel = pick.querySelector("select[name=school]");
    var form = root.querySelector(".zjt-teacher-form");
    var formMsg = form.querySelector(".zjt-form-msg");
    var list = root.querySelector(".zjt-teacher-list");
    var schoolId = null;
    var maintain = false;
    if (needLogin(msg)) return;

    async function loadTeachers() {
      list.textContent = "";
      if (!schoolId) return;
      msg.textContent = "正在加载教师……";
      try {
        var data = (await api.request("GET", "/records/teachers?school_id=" + encodeURIComponent(schoolId))).data;
        msg.textContent = "共 " + data.teachers.length + " 位教师";
        data.teachers.forEach(function (t) {
          var li = el("li", { "class": "zjt-teacher" });
          li.appendChild(el("strong", null, t.name));
          li.appendChild(document.createTextNode(" " + t.stage + t.subject + (t.title ? " · " + t.title : "") + " · " + t.employment));
          li.appendChild(el("p", { "class": "zjt-muted" }, "身份证件号 " + (t.id_number || "（无）") + " · " + t.source_text + (t.merged_into ? " · 重复记录，已并入 " + (t.merged_into_text || "另一条记录") : "")));
          if (maintain && t.source === "school") {
            var b = el("button", { type: "button", "class": "zjt-linkbtn" }, "修改");
            b.addEventListener("click", function () {
              ["teacher_id", "id_number", "name", "gender", "birth_date", "stage", "subject", "title", "employment"].forEach(function (k) {
                if (form[k]) form[k].value = t[k] || "";
              });
              form.scrollIntoView();
            });
            li.appendChild(b);
          }
          list.appendChild(li);
        });
      } catch (e) { fail(msg, e); }
    }

    async function loadSchools(region) {
      schoolSel.textContent = "";
      var data = (await api.request("GET", "/records/schools?region=" + region)).data;
      data.schools.forEach(function (s, i) { schoolSel.appendChild(option(s.school_id, s.name, i === 0)); });
      schoolId = data.schools.length ? data.schools[0].school_id : null;
      await loadTeachers();
    }

    scope().then(async function (s) {
      if (s.school) {
        schoolId = s.school.school_id;
        maintain = s.may_maintain;
        form.hidden = !maintain;
        msg.textContent = s.school.name;
        await loadTeachers();
        return;
      }
      var counties = s.regions.filter(function (r) { return r.level === "county"; });
      if (!counties.length) { msg.textContent = "当前账号没有可查看的学校。"; return; }
      counties.forEach(function (r, i) { regionSel.appendChild(option(r.code, r.name, i === 0)); });
      pick.hidden = false;
      await loadSchools(counties[0].code);
    }).catch(function (e) { fail(msg, e); });

    regionSel.addEventListener("change", function () { loadSchools(regionSel.value).catch(function (e) { fail(msg, e); }); });
    schoolSel.addEventListener("change", function () { schoolId = schoolSel.value; loadTeachers(); });
    form.addEventListener("reset", function () { form.teacher_id.value = ""; });
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      var body = {};
      ["id_number", "name", "gender", "birth_date", "stage", "subject", "title", "employment"].forEach(function (k) { body[k] = form[k].value.trim(); });
      var tid = form.teacher_id.value;
      try {
        if (tid) await api.request("PUT", "/records/teachers/" + encodeURIComponent(tid), { body: body });
        else await api.request("POST", "/records/teachers", { body: body });
        ok(formMsg, "已保存（学校维护）");
        form.reset();
        await loadTeachers();
      } catch (e) {
        var detail = e.body && e.body.errors ? "：" + e.body.errors.map(function (x) { return x.message; }).join("；") : "";
        fail(formMsg, { status: e.status, message: e.message + detail });
      }
    });
  }

  // --- 数据异常 ---------------------------------------------------------------------------
  function anomaliesPage(root) {
    var msg = root.querySelector(".zjt-msg");
    var list = root.querySelector(".zjt-anomaly-list");
    var checkBtn = root.querySelector(".zjt-check");
    var openOnly = root.querySelector("input[name=open_only]");
    var ACTIONS = { keep_one: "保留其中一条", assign_school: "指定学校", acknowledge: "已知悉" };
    if (needLogin(msg)) return;

    // A county's schools (GET /records/schools), once per county; names for the owner line too.
    var schoolLists = {};
    var schoolNames = {};
    function schoolsOf(region) {
      if (!/^\d{4}(?!00)\d{2}$/.test(region || "")) return Promise.resolve([]);
      if (!schoolLists[region]) {
        schoolLists[region] = api.request("GET", "/records/schools?region=" + encodeURIComponent(region)).then(function (r) {
          r.data.schools.forEach(function (x) { schoolNames[x.school_id] = x.name; });
          return r.data.schools;
        }).catch(function () { return []; });
      }
      return schoolLists[region];
    }

    function actionForm(a) {
      var f = el("form", { "class": "zjt-resolve" });
      var sel = el("select", { name: "action" });
      a.actions.forEach(function (x) { sel.appendChild(option(x, ACTIONS[x] || x)); });
      f.appendChild(sel);
      var extra = el("select", { name: "teacher_id", "aria-label": "保留的记录" });
      // Each record by the name the check gave it (names, not ids); one checked before names
      // were stored is offered by its place in the list until the next check names it.
      a.teacher_ids.forEach(function (t, i) {
        extra.appendChild(option(t, "保留 " + ((a.teacher_names || {})[t] || "第 " + (i + 1) + " 条记录")));
      });
      // The school picked by name among the anomaly's county's schools (never a typed code).
      var school = el("select", { name: "school_id", "aria-label": "指定学校" });
      school.appendChild(option("", "选择学校"));
      if (a.actions.indexOf("assign_school") >= 0) {
        schoolsOf(a.region_code).then(function (list) {
          list.forEach(function (x) { school.appendChild(option(x.school_id, x.name)); });
        });
      }
      var note = el("input", { name: "note", placeholder: "说明（可选）", maxlength: "200" });
      function sync() {
        extra.hidden = sel.value !== "keep_one";
        school.hidden = sel.value !== "assign_school";
      }
      sel.addEventListener("change", sync);
      f.appendChild(extra); f.appendChild(school); f.appendChild(note);
      f.appendChild(el("button", { type: "submit", "class": "md-button" }, "处理"));
      var m = el("p", { "class": "zjt-msg", role: "status" });
      f.appendChild(m);
      sync();
      f.addEventListener("submit", async function (ev) {
        ev.preventDefault();
        var body = { action: sel.value, note: note.value.trim() };
        if (sel.value === "keep_one") body.teacher_id = extra.value;
        if (sel.value === "assign_school") body.school_id = school.value;
        try {
          await api.request("POST", "/records/anomalies/" + encodeURIComponent(a.anomaly_id) + "/resolve", { body: body });
          ok(m, "已处理");
          await load();
        } catch (e) { fail(m, e); }
      });
      return f;
    }

    async function load() {
      var data = (await api.request("GET", "/records/anomalies" + (openOnly.checked ? "?status=open" : ""))).data;
      list.textContent = "";
      msg.className = "zjt-msg";
      msg.textContent = data.anomalies.length ? "共 " + data.anomalies.length + " 条" : "没有异常。";
      await Promise.all(data.anomalies.map(function (a) { return a.owner_school_id ? schoolsOf(a.region_code) : null; }));
      data.anomalies.forEach(function (a) {
        var li = el("li", { "class": "zjt-anomaly zjt-anomaly--" + a.status });
        li.appendChild(el("strong", null, a.kind_text));
        var owner = a.owner_school_id ? " · 负责：" + (schoolNames[a.owner_school_id] || "所在学校") : " · 负责：教育局";
        li.appendChild(document.createTextNode(" · " + a.region_name + owner));
        li.appendChild(el("p", null, a.detail));
        // What was done, not who by: resolved_by is an account id.
        if (a.status === "resolved") li.appendChild(el("p", { "class": "zjt-muted" }, "已处理：" + (a.resolution || "")));
        else if (a.may_resolve) li.appendChild(actionForm(a));
        list.appendChild(li);
      });
    }

    scope().then(function (s) {
      checkBtn.hidden = !s.may_assign;
      return load();
    }).catch(function (e) { fail(msg, e); });
    openOnly.addEventListener("change", function () { load().catch(function (e) { fail(msg, e); }); });
    checkBtn.addEventListener("click", async function () {
      checkBtn.disabled = true;
      msg.textContent = "正在核查……";
      try {
        // The server works within a time budget and keeps its progress: call again (from
        // `next`) until done; a call cut off by a timeout or the network is simply repeated.
        async function step(start) {
          for (var attempt = 1; ; attempt++) {
            try {
              return (await api.request("POST", "/records/anomalies/check" + (start ? "?start=" + start : ""))).data;
            } catch (e) {
              if (attempt >= 3 || (e.status && e.status < 500)) throw e;
              await new Promise(function (res) { setTimeout(res, 1000 * attempt); });
            }
          }
        }
        var r = await step(null);
        var open = r.open || 0;
        while (!r.done) {
          msg.textContent = r.phase === "indexing"
            ? "正在建立索引（" + r.segment + " / " + r.segments + "）……"
            : "正在核查（" + r.checked + " / " + r.counties + " 个县市区）……";
          r = await step(r.next);
          if (r.phase === "checking") open += r.open || 0;
        }
        await load();
        ok(msg, "核查完成：共核查 " + r.counties + " 个县（市、区），未处理异常 " + open + " 条");
      } catch (e) { fail(msg, e); } finally { checkBtn.disabled = false; }
    });
  }

  // --- 账号与角色 -------------------------------------------------------------------------
  function accountsPage(root) {
    var msg = root.querySelector(".zjt-msg");
    var pick = root.querySelector(".zjt-pick");
    var regionSel = pick.querySelector("select[name=region]");
    var schoolPick = pick.querySelector(".zjt-pick-school");
    var schoolSel = pick.querySelector("select[name=school]");
    var list = root.querySelector(".zjt-account-list");
    var form = root.querySelector(".zjt-account-form");
    var formMsg = form.querySelector(".zjt-form-msg");
    var levels = {};
    var ownSchool = null; // a school admin manages the teacher accounts of their own school
    var mayAssign = false;
    if (needLogin(msg)) return;

    function currentSchool() { return ownSchool || schoolSel.value; }
    var accountSchools = {}; // school_id -> name, of the region picked above
    var regionNames = {};

    /* A picker's value; one it does not list (an account elsewhere) is added under its name. */
    function pickValue(sel, value, name) {
      value = value || "";
      if (value && !Array.prototype.some.call(sel.options, function (o) { return o.value === value; })) {
        sel.appendChild(option(value, name || "（其他）"));
      }
      sel.value = value;
    }

    /* 停用 opens a reason field (required, at most 200 characters) under the account; 启用 acts at once. */
    function statusControls(u) {
      var box = el("div", { "class": "zjt-account__actions" });
      var toggle = el("button", { type: "button", "class": "md-button" }, u.disabled ? "启用" : "停用");
      var f = el("form", { "class": "zjt-account__reason" });
      var reason = el("input", { name: "reason", maxlength: "200", placeholder: "停用原因（必填，200 字以内）", "aria-label": "停用原因" });
      var cancel = el("button", { type: "button", "class": "md-button" }, "取消");
      var m = el("p", { "class": "zjt-msg", role: "status", "aria-live": "polite" });
      f.hidden = true;
      f.appendChild(reason);
      f.appendChild(el("button", { type: "submit", "class": "md-button md-button--primary" }, "确认停用"));
      f.appendChild(cancel);
      box.appendChild(toggle);
      box.appendChild(f);
      box.appendChild(m);

      async function send(body, done) {
        toggle.disabled = true;
        try {
          await api.request("PUT", "/records/accounts/" + encodeURIComponent(u.user_id) + "/status", { body: body });
          await load(done + "：" + u.name + "（" + u.user_id + "）");
        } catch (e) {
          toggle.disabled = false;
          fail(m, e);
        }
      }
      toggle.addEventListener("click", function () {
        if (u.disabled) { send({ disabled: false }, "已启用"); return; }
        f.hidden = false;
        toggle.hidden = true;
        reason.focus();
      });
      cancel.addEventListener("click", function () {
        f.hidden = true;
        toggle.hidden = false;
        m.textContent = "";
      });
      f.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var text = reason.value.trim();
        if (!text) { fail(m, { message: "请填写停用原因" }); reason.focus(); return; }
        send({ disabled: true, reason: text }, "已停用");
      });
      return box;
    }

    function accountItem(u, staff) {
      var li = el("li", { "class": "zjt-account" + (u.disabled ? " zjt-account--disabled" : "") });
      var head = el("p", { "class": "zjt-account__head" });
      head.appendChild(el("strong", null, u.name));
      head.appendChild(el("span", { "class": "zjt-account__status zjt-account__status--" + (u.disabled ? "off" : "on") }, u.status_text || (u.disabled ? "已停用" : "正常")));
      li.appendChild(head);
      // The login name is what an administrator acts on; the school by its name.
      var where = (u.school_id && accountSchools[u.school_id]) || (u.region_code && regionNames[u.region_code]) || "";
      li.appendChild(el("p", { "class": "zjt-muted" }, u.role_name + " · 登录名 " + u.user_id + (where ? " · " + where : "")));
      if (u.disabled) {
        li.appendChild(el("p", { "class": "zjt-muted" }, "停用原因：" + (u.disabled_reason || "（未填写）") +
          (u.disabled_at ? " · " + api.day(u.disabled_at) : "")));
      }
      if (staff && mayAssign) {
        var b = el("button", { type: "button", "class": "zjt-linkbtn" }, "修改角色");
        b.addEventListener("click", function () {
          form.user_id.value = u.user_id; form.name.value = u.name; form.role.value = u.role;
          pickValue(form.school_id, u.school_id, accountSchools[u.school_id]);
          pickValue(form.region_code, u.region_code, regionNames[u.region_code]);
          form.scrollIntoView();
        });
        li.appendChild(b);
      }
      if (u.may_change_status) li.appendChild(statusControls(u));
      return li;
    }

    async function load(notice) {
      var school = currentSchool();
      var q = school ? "?school_id=" + encodeURIComponent(school) : "?region=" + regionSel.value;
      var data = (await api.request("GET", "/records/accounts" + q)).data;
      var n = data.accounts.length;
      var off = data.accounts.filter(function (u) { return u.disabled; }).length;
      list.textContent = "";
      var count = school
        ? (n ? "共 " + n + " 个教师账号，已停用 " + off + " 个" : "该校还没有教师账号。")
        : (n ? "共 " + n + " 个管理账号，已停用 " + off + " 个" : "该区域还没有登记的管理账号（运行一次数据核查可收录已有账号）。");
      msg.className = notice ? "zjt-msg zjt-msg--ok" : "zjt-msg";
      msg.textContent = notice ? notice + "。" + count : count;
      data.accounts.forEach(function (u) { list.appendChild(accountItem(u, !school)); });
    }

    /* A county's schools: pick one to manage its teachers' accounts instead of the staff accounts. */
    async function loadSchools() {
      schoolSel.textContent = "";
      schoolSel.appendChild(option("", "本区域管理账号", true));
      form.school_id.textContent = "";
      form.school_id.appendChild(option("", "不选", true));
      accountSchools = {};
      schoolPick.hidden = levels[regionSel.value] !== "county";
      if (schoolPick.hidden) return;
      var data = (await api.request("GET", "/records/schools?region=" + regionSel.value)).data;
      data.schools.forEach(function (s) {
        accountSchools[s.school_id] = s.name;
        schoolSel.appendChild(option(s.school_id, "教师账号：" + s.name));
        form.school_id.appendChild(option(s.school_id, s.name));
      });
    }

    scope().then(async function (s) {
      mayAssign = s.may_assign;
      if (!s.may_assign && !s.may_disable_teachers) {
        msg.textContent = "只有教育局管理员或学校管理员可以管理账号。";
        return;
      }
      if (!s.may_assign) {
        ownSchool = s.school ? s.school.school_id : null;
        if (!ownSchool) { msg.textContent = "当前账号没有所属学校。"; return; }
        return load();
      }
      form.region_code.appendChild(option("", "不选", true));
      s.regions.forEach(function (r, i) {
        levels[r.code] = r.level;
        regionNames[r.code] = r.name;
        regionSel.appendChild(option(r.code, r.name, i === 0));
        form.region_code.appendChild(option(r.code, r.name));
      });
      s.staff_roles.forEach(function (r) { form.role.appendChild(option(r.role, r.name)); });
      pick.hidden = false;
      form.hidden = false;
      await loadSchools();
      return load();
    }).catch(function (e) { fail(msg, e); });
    regionSel.addEventListener("change", function () {
      loadSchools().then(function () { return load(); }).catch(function (e) { fail(msg, e); });
    });
    schoolSel.addEventListener("change", function () { load().catch(function (e) { fail(msg, e); }); });
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      var body = { name: form.name.value.trim(), role: form.role.value };
      if (form.school_id.value) body.school_id = form.school_id.value;
      if (form.region_code.value) body.region_code = form.region_code.value;
      try {
        await api.request("PUT", "/records/accounts/" + encodeURIComponent(form.user_id.value.trim()), { body: body });
        ok(formMsg, "已保存");
        await load();
      } catch (e) { fail(formMsg, e); }
    });
  }

  function start() {
    var pages = { "zjt-import": importPage, "zjt-teachers": teachersPage, "zjt-anomalies": anomaliesPage, "zjt-accounts": accountsPage };
    Object.keys(pages).forEach(function (id) {
      var root = document.getElementById(id);
      if (root) pages[id](root);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
