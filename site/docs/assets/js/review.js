/* 项目审核: submitted projects with every rule check (GET /api/reviews), the AP-5 spot check,
 * approve / return with a reason, publish, change-request decisions, CH-4 timetable risks,
 * CH-5 audit history inline per project (GET /api/audit) with its xlsx export, the Q-6 local
 * caps of the bureau's scope (GET/PUT /api/projects/quotas/local) and the expert search.
 * Plain ES2017. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-review");
  if (!root) return;
  var api = window.ZJT;
  var el = api.el;
  var msgEl = root.querySelector(".zjt-msg");
  var listEl = root.querySelector(".zjt-reviews");
  var changesEl = root.querySelector(".zjt-changes");
  var risksEl = root.querySelector(".zjt-risks");
  var capsEl = root.querySelector(".zjt-caps");
  var capsMsg = root.querySelector(".zjt-caps-msg");
  var STATUS = { submitted: "待审核", approved: "审核通过，待发布" };
  var KINDS = { form: "培训形式", dates: "班期日期", place: "培训地点", instructors: "授课教师",
    timetable: "课程表", other: "其他" };

  function note(box, text, kind) {
    box.textContent = text;
    box.classList.remove("zjt-msg--ok", "zjt-msg--error");
    if (kind) box.classList.add("zjt-msg--" + kind);
  }

  /* One action of an item. The item is updated in place from the answer (never by reloading
     the whole list, which wiped every message on the page and left stale versions behind). */
  async function act(box, method, path, body, okText) {
    try {
      var res = await api.request(method, path, { body: body });
      note(box, okText, "ok");
      return res;
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return null; }
      note(box, e.message, "error");
      return null;
    }
  }

  function when(iso) {
    try {
      return new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false,
        year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
    } catch (e) { return iso; }
  }

  /* Download GET /api/audit?<query>&format=xlsx (the token goes in a header, so no plain link). */
  async function download(query, filename, box) {
    try {
      var resp = await fetch("/api/audit?format=xlsx&" + query,
        { headers: { Authorization: "Bearer " + api.token() } });
      if (resp.status === 401) { api.goLogin(); return; }
      if (!resp.ok) {
        var body = await resp.json().catch(function () { return {}; });
        note(box, body.message || "导出失败", "error");
        return;
      }
      var blob = await resp.blob();
      var a = el("a", { href: URL.createObjectURL(blob), download: filename });
      document.body.appendChild(a);
      a.click();
      a.remove();
      note(box, "已导出", "ok");
    } catch (e) { note(box, "网络连接失败，请重试", "error"); }
  }

  /* CH-5: a collapsible history (time, who, what, details), loaded when first opened, with the
   * xlsx export of the same entries next to it. */
  function auditView(query, filename) {
    var det = el("details", { "class": "zjt-audit-inline" });
    det.appendChild(el("summary", null, "变更记录"));
    var list = el("ol", { "class": "zjt-audit-list" });
    var box = el("p", { "class": "zjt-msg", role: "status", "aria-live": "polite" });
    var xlsx = el("button", { type: "button", "class": "md-button zjt-audit-xlsx" }, "导出 Excel");
    xlsx.addEventListener("click", function () { download(query, filename, box); });
    det.appendChild(list);
    det.appendChild(xlsx);
    det.appendChild(box);
    var loaded = false;
    det.addEventListener("toggle", async function () {
      if (!det.open || loaded) return;
      loaded = true;
      list.textContent = "";
      list.appendChild(el("li", null, "正在加载……"));
      try {
        var res = await api.request("GET", "/audit?" + query);
        list.textContent = "";
        res.data.entries.forEach(function (e) {
          var li = el("li", { "class": "zjt-audit-entry" });
          li.appendChild(el("span", { "class": "zjt-audit-when" }, e.at_text || when(e.at)));
          li.appendChild(el("strong", { "class": "zjt-audit-what" }, e.event_name || e.event));
          li.appendChild(el("span", { "class": "zjt-audit-who" }, e.actor_name || e.actor));
          if (e.detail) li.appendChild(el("span", { "class": "zjt-audit-detail" }, e.detail));
          list.appendChild(li);
        });
        if (!res.data.entries.length) list.appendChild(el("li", null, "暂无变更记录。"));
      } catch (e) {
        loaded = false;
        if (e.status === 401) { api.goLogin(); return; }
        list.textContent = "";
        note(box, e.message, "error");
      }
    });
    return det;
  }

  var FORMS = { face_to_face: "面授", online: "线上", blended: "混合" };

  function yuan(v) { return v === null || v === undefined || v === "" ? "—" : Number(v).toLocaleString("zh-CN") + " 元"; }
  function person(x) {
    return (x.name || "（未填姓名）") + (x.title ? "（" + x.title + "）" : "") + (x.organisation ? "，" + x.organisation : "") +
      (x.expertise ? "，专长：" + x.expertise : "");
  }
  var regionNames = {};

  /* The whole application as submitted: what the bureau approves. */
  function application(d) {
    var det = el("details", { "class": "zjt-application" });
    det.appendChild(el("summary", null, "查看完整申报材料（班期 " + (d.classes || []).length + " 个，授课教师 " + (d.instructors || []).length + " 人）"));
    var dl = el("dl", { "class": "zjt-facts" });
    function fact(k, v) { dl.appendChild(el("dt", null, k)); dl.appendChild(el("dd", null, v || "—")); }
    fact("项目名称", d.title);
    fact("培训主题", d.theme);
    fact("学段", d.stage);
    fact("学科", d.subject);
    fact("培训领域", d.field);
    fact("培训层次", d.level);
    fact("培训形式", FORMS[d.form] || d.form);
    fact("学分", (d.credits_total || 0) + " 学分" + (d.credits_online ? "（其中线上 " + d.credits_online + "）" : ""));
    var t = d.target || {};
    fact("参训对象", t.description);
    fact("地区", (t.region_codes || []).map(function (c) { return regionNames[c] || c; }).join("、") || "全省");
    fact("对象学段", (t.stages || []).join("、") || "不限");
    fact("对象学科", (t.subjects || []).join("、") || "不限");
    fact("项目负责人", person(d.leader || {}));
    det.appendChild(dl);
    det.appendChild(el("h4", null, "授课教师"));
    var ul = el("ul");
    (d.instructors || []).forEach(function (x) { ul.appendChild(el("li", null, person(x))); });
    if (!(d.instructors || []).length) ul.appendChild(el("li", null, "未填写"));
    det.appendChild(ul);
    det.appendChild(el("h4", null, "费用（人均）"));
    var fee = d.fee || {};
    var fl = el("ul");
    (fee.items || []).forEach(function (i) { fl.appendChild(el("li", null, i.name + "：" + yuan(i.amount))); });
    fl.appendChild(el("li")).appendChild(el("strong", null, "合计：" + yuan(fee.total)));
    det.appendChild(fl);
    (d.classes || []).forEach(function (c) {
      det.appendChild(el("h4", null, (c.name || "班期") + "：" + api.dayRange(c.start_date, c.end_date) + "，" + (c.place || "地点未填") + "，" + (c.capacity || "?") + " 人"));
      if (!(c.timetable || []).length) { det.appendChild(el("p", { "class": "zjt-muted" }, "课程表未填写")); return; }
      var days = {};
      var order = [];
      c.timetable.forEach(function (x) { if (!days[x.day]) { days[x.day] = []; order.push(x.day); } days[x.day].push(x); });
      var tl = el("ol", { "class": "zjt-daylist" });
      order.forEach(function (day) {
        var li = el("li", { "class": "zjt-daycard" });
        li.appendChild(el("strong", null, api.day(day)));
        var sl = el("ul");
        days[day].forEach(function (x) {
          sl.appendChild(el("li", null, String(x.start).slice(0, 5) + "–" + String(x.end).slice(0, 5) + " " + x.topic + (x.instructor ? "（" + x.instructor + "）" : "")));
        });
        li.appendChild(sl);
        tl.appendChild(li);
      });
      det.appendChild(tl);
    });
    return det;
  }

  /* AP-5: the pick is drawn on the server when the reviewer asks (once per submission) and
     recorded; until then there is nothing to show but the button. */
  function spotText(p) {
    var sc = p.spot_check;
    if (!sc) return "授课教师抽查：尚未抽取";
    return "随机抽查授课教师：" + sc.picked.join("、") + "（从 " + sc.pool + " 位中抽取）" +
      (sc.outcome ? "，结果：" + (sc.outcome === "pass" ? "通过" : "不通过") + (sc.note ? "（" + sc.note + "）" : "") : "，尚未记录结果");
  }

  function project(p) {
    var d = p.draft;
    var li = el("li", { "class": "zjt-review-item", "data-project": p.project_id });
    li.appendChild(el("h3", null, d.title || "（未命名项目）"));
    li.appendChild(el("p", { "class": "zjt-result__inst" }, p.institution_name + " · " + (d.stage || "") + (d.subject || "") +
      " · " + (FORMS[d.form] || d.form || "") + " · " + (d.credits_total || 0) + "学分 · 人均 " + yuan((d.fee || {}).total)));
    var status = el("p", { "class": "zjt-status" }, STATUS[p.status] || p.status);
    li.appendChild(status);
    li.appendChild(application(d));
    var checks = el("ul", { "class": "zjt-checks" });
    p.checks.forEach(function (c) {
      checks.appendChild(el("li", { "class": c.ok ? "zjt-check--ok" : "zjt-check--bad" },
        c.name + (c.messages.length ? "：" + c.messages.join("；") : "")));
    });
    li.appendChild(checks);
    var box = el("p", { "class": "zjt-msg", role: "status", "aria-live": "polite" });
    if (p.status === "submitted") {
      var actions = el("div", { "class": "zjt-review-actions" });
      var spot = el("p", { "class": "zjt-spot" }, spotText(p));
      actions.appendChild(spot);
      var outcomes = [];
      // display, not the hidden attribute: .md-button's own display rule would override it.
      var showOutcomes = function () { outcomes.forEach(function (n) { n.style.display = p.spot_check ? "" : "none"; }); };
      var draw = el("button", { type: "button", "class": "md-button zjt-spot-draw" }, "随机抽取授课教师");
      draw.style.display = p.spot_check ? "none" : "";
      draw.addEventListener("click", async function () {
        draw.disabled = true;
        var res = await act(box, "POST", "/reviews/" + encodeURIComponent(p.project_id) + "/spot-check/draw",
          { version: p.version }, "已随机抽取，请核实后记录抽查结果");
        draw.disabled = false;
        if (res) {
          p.version = res.data.version; p.spot_check = res.data.spot_check;
          spot.textContent = spotText(p); draw.style.display = "none"; showOutcomes();
        }
      });
      actions.appendChild(draw);
      var scNote = el("input", { name: "spot_note", type: "text", placeholder: "抽查说明" });
      var scLabel = actions.appendChild(el("label", { "class": "zjt-field" }, "抽查说明"));
      scLabel.appendChild(scNote);
      outcomes.push(scLabel);
      ["pass", "fail"].forEach(function (o) {
        var b = el("button", { type: "button", "class": "md-button zjt-spot-" + o }, o === "pass" ? "抽查通过" : "抽查不通过");
        b.addEventListener("click", async function () {
          var res = await act(box, "POST", "/reviews/" + encodeURIComponent(p.project_id) + "/spot-check",
            { version: p.version, outcome: o, note: scNote.value.trim() }, "抽查结果已记录");
          // The spot check moved the project to a new version: the approval must carry it.
          if (res) { p.version = res.data.version; p.spot_check = res.data.spot_check; spot.textContent = spotText(p); }
        });
        actions.appendChild(b);
        outcomes.push(b);
      });
      showOutcomes();
      var reason = el("input", { name: "reason", type: "text", placeholder: "退回时必填" });
      actions.appendChild(el("label", { "class": "zjt-field" }, "审核意见")).appendChild(reason);
      var decided = async function (action, okText) {
        if (action === "return" && reason.value.trim().length < 2) { note(box, "退回时请填写审核意见", "error"); reason.focus(); return; }
        var res = await act(box, "POST", "/reviews/" + encodeURIComponent(p.project_id) + "/decision",
          { version: p.version, action: action, reason: reason.value.trim() }, okText);
        if (res) {
          p.version = res.data.version;
          p.status = res.data.status;
          status.textContent = STATUS[p.status] || (p.status === "returned" ? "已退回修改" : p.status);
          actions.remove();
        }
      };
      var ok = el("button", { type: "button", "class": "md-button md-button--primary zjt-approve" }, "审核通过");
      ok.addEventListener("click", function () { decided("approve", "已审核通过"); });
      var back = el("button", { type: "button", "class": "md-button zjt-return" }, "退回修改");
      back.addEventListener("click", function () { decided("return", "已退回"); });
      actions.appendChild(ok);
      actions.appendChild(back);
      li.appendChild(actions);
    }
    li.appendChild(box);
    li.appendChild(auditView("project_id=" + encodeURIComponent(p.project_id),
      "变更记录-" + (d.title || p.project_id) + ".xlsx"));
    return li;
  }

  /* one region's cap, where it comes from, the institutions it applies to; editable by the
   * region's own bureau (and the province bureau). */
  function capRow(r, max) {
    var li = el("li", { "class": "zjt-cap", "data-region": r.region_code });
    li.appendChild(el("h3", null, r.region_name + "（" + r.region_code + "）"));
    li.appendChild(el("p", { "class": "zjt-cap-value" },
      "每个本地培训机构本学期最多申报 " + r.cap + " 个项目"));
    var o = r.override;
    var source = o ? "由" + (o.set_by_name || o.set_by) + "于 " + when(o.set_at) + " 设置" +
        (r.file_cap !== null ? "（学期数据原为 " + r.file_cap + " 个）" : "")
      : r.source === "file" ? "学期数据设定的上限"
      : "本地区未单独设定，采用默认上限 " + r.default_cap + " 个";
    li.appendChild(el("p", { "class": "zjt-muted" }, source));
    if (r.institutions.length) {
      var insts = el("ul", { "class": "zjt-cap-insts" });
      r.institutions.forEach(function (i) {
        insts.appendChild(el("li", { "class": i.over_cap ? "zjt-check--bad" : "" },
          i.name + "：已申报 " + i.used + " / " + r.cap + (i.over_cap ? "（超过上限，不能再申报）" : "")));
      });
      li.appendChild(insts);
    } else {
      li.appendChild(el("p", { "class": "zjt-muted" }, "本地区暂无本地培训机构。"));
    }
    var box = el("p", { "class": "zjt-msg", role: "status", "aria-live": "polite" });
    if (r.may_edit) {
      var input = el("input", { type: "number", name: "cap", min: "0", max: String(max), step: "1",
        inputmode: "numeric", value: String(r.cap) });
      li.appendChild(el("label", { "class": "zjt-field" }, "调整上限（0—" + max + " 个）")).appendChild(input);
      var save = el("button", { type: "button", "class": "md-button md-button--primary zjt-cap-save" }, "保存上限");
      save.addEventListener("click", async function () {
        var text = input.value.trim();
        var cap = Number(text);
        if (!/^\d+$/.test(text) || cap > max) { note(box, "请填写 0 到 " + max + " 之间的整数", "error"); return; }
        save.disabled = true;
        try {
          var res = await api.request("PUT", "/projects/quotas/local/" + encodeURIComponent(r.region_code), { body: { cap: cap } });
          var d = res.data;
          // Redraw the regions (institutions over the new cap) and keep this message on its row.
          await loadCaps(r.region_code, d.changed ? "已保存，上限为 " + d.cap + " 个" + (d.warning ? "。注意：" + d.warning : "") : "上限未变化",
            d.warning ? "error" : "ok");
        } catch (e) {
          if (e.status === 401) { api.goLogin(); return; }
          note(box, e.message, "error");
        }
        save.disabled = false;
      });
      li.appendChild(save);
    }
    li.appendChild(box);
    li.appendChild(auditView("region_code=" + encodeURIComponent(r.region_code),
      "申报上限变更记录-" + r.region_code + ".xlsx"));
    return li;
  }

  async function loadCaps(region, text, kind) {
    try {
      var res = await api.request("GET", "/projects/quotas/local");
      capsEl.textContent = "";
      res.data.regions.forEach(function (r) {
        var row = capRow(r, res.data.max_cap);
        if (region && r.region_code === region) note(row.querySelector(":scope > .zjt-msg"), text, kind);
        capsEl.appendChild(row);
      });
      note(capsMsg, res.data.regions.length ? "" : "你的管理范围内没有本地项目申报上限。");
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      note(capsMsg, e.message, "error");
    }
  }

  function change(c) {
    var li = el("li", { "class": "zjt-change-item" });
    var r = c.request;
    li.appendChild(el("h3", null, (KINDS[r.kind] || r.kind) + "：" + r.what + (c.major ? "（重大变更）" : "")));
    li.appendChild(el("p", null, (c.project_title || "项目") + "；原因：" + r.why));
    var st = { pending: "待审批", approved: "已批准", refused: "未批准", applied: "已记录（一般变更）" }[c.status] || c.status;
    li.appendChild(el("p", { "class": "zjt-status" }, st + (c.rights_opened ? "，已向 " + c.rights_opened + " 位已选教师发送站内信（变更说明）并开放退选" : "")));
    if (c.status === "pending") {
      var box = el("p", { "class": "zjt-msg", role: "status" });
      [true, false].forEach(function (yes) {
        var b = el("button", { type: "button", "class": "md-button" }, yes ? "批准" : "不批准");
        b.addEventListener("click", async function () {
          var res = await act(box, "POST", "/changes/" + encodeURIComponent(c.project_id) + "/" + encodeURIComponent(c.change_id) + "/decision",
            { approve: yes, note: "" }, yes ? "已批准" : "已不批准");
          if (res) li.querySelectorAll("button").forEach(function (x) { x.remove(); });
        });
        li.appendChild(b);
      });
      li.appendChild(box);
    }
    return li;
  }

  /* The institutions of the projects in scope, by name, for the history export (no typed ids). */
  function institutionPicker(list) {
    var pick = root.querySelector('[name="institution_id"]');
    var seen = {};
    Array.prototype.forEach.call(pick.options, function (o) { seen[o.value] = true; });
    list.forEach(function (p) {
      if (seen[p.institution_id]) return;
      seen[p.institution_id] = true;
      pick.appendChild(el("option", { value: p.institution_id }, p.institution_name));
    });
  }

  async function loadRegionNames() {
    try {
      var resp = await fetch(api.siteUrl("data/regions.json"));
      (await resp.json()).forEach(function (r) { regionNames[r.code] = r.name; });
    } catch (e) { /* names fall back to codes */ }
  }

  async function load() {
    if (api.needLogin(msgEl, "（教育局账号）。")) return;
    if (!Object.keys(regionNames).length) await loadRegionNames();
    try {
      var res = await api.request("GET", "/reviews");
      listEl.textContent = "";
      var list = res.data.projects;
      note(msgEl, list.length ? "共 " + list.length + " 个项目。" : "暂无待审核项目。");
      list.forEach(function (p) { listEl.appendChild(project(p)); });
      institutionPicker(list);
      var ch = await api.request("GET", "/changes");
      changesEl.textContent = "";
      ch.data.changes.forEach(function (c) { changesEl.appendChild(change(c)); });
      if (!ch.data.changes.length) changesEl.appendChild(el("li", null, "暂无变更申请。"));
      var rk = await api.request("GET", "/timetable-risks");
      risksEl.textContent = "";
      rk.data.classes.slice(0, 50).forEach(function (r) {
        risksEl.appendChild(el("li", { "class": r.late ? "zjt-check--bad" : "" }, r.title + " · " + r.class_name + "（" + r.start_date +
          " 开班）" + (r.late ? "：已超过课程表发布期限" : "：还剩 " + r.days_left + " 天发布课程表")));
      });
      if (!rk.data.classes.length) risksEl.appendChild(el("li", null, "所有班期均已发布课程表。"));
      await loadCaps();
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      note(msgEl, e.message, "error");
    }
  }

  root.querySelector(".zjt-publish").addEventListener("click", async function () {
    var button = this;
    var box = root.querySelector(".zjt-publish-msg");
    note(box, "正在发布……");
    button.disabled = true;
    try {
      var res = await api.request("POST", "/reviews/publish", { body: {} });
      await load();
      var n = res.data.published.length;
      if (!n) note(box, "没有待发布的项目", "ok");
      else await api.followPublication(function (text, kind) { note(box, "已发布 " + n + " 个项目，" + text, kind); });
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      note(box, e.message, "error");
    }
    button.disabled = false;
  });

  root.querySelector(".zjt-audit-export").addEventListener("click", async function () {
    var box = root.querySelector(".zjt-audit-msg");
    var pick = root.querySelector('[name="institution_id"]');
    var iid = pick.value;
    if (!iid) { note(box, "请选择培训机构", "error"); pick.focus(); return; }
    download("institution_id=" + encodeURIComponent(iid), "变更记录-" + pick.options[pick.selectedIndex].text + ".xlsx", box);
  });

  root.querySelector(".zjt-expert-search").addEventListener("click", async function () {
    var out = root.querySelector(".zjt-expert-list");
    var q = root.querySelector('[name="q"]').value.trim();
    try {
      var res = await api.request("GET", "/experts?q=" + encodeURIComponent(q));
      out.textContent = "";
      res.data.experts.forEach(function (x) {
        out.appendChild(el("li", null, x.name + " · " + x.title + " · " + x.organisation + " · " + x.id_number_masked));
      });
      if (!res.data.experts.length) out.appendChild(el("li", null, "没有找到。"));
    } catch (e) { if (e.status === 401) api.goLogin(); else out.textContent = e.message; }
  });

  load();
})();
