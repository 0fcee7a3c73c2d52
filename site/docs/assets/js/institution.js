/* 培训机构: GET /api/institution/classes (demand), POST /api/institution/expansions (扩班申请),
   GET /api/institution/classes/<cid>/roster, POST /api/institution/rechecks (复核, bulk, reason
   required to reject), GET /api/institution/classes/<cid>/export (xlsx). Plain ES2017. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-inst");
  if (!root) return;
  var api = window.ZJT;
  var el = api.el;
  var msgEl = root.querySelector(".zjt-msg");
  var listEl = root.querySelector(".zjt-classes");
  var roster = root.querySelector(".zjt-roster");
  var rosterList = root.querySelector(".zjt-roster-list");
  var reasonEl = root.querySelector(".zjt-reason");
  var resultEl = root.querySelector(".zjt-result");
  var current = null;  // class id shown in the roster
  var EXP = { applied: "扩班申请待教育局受理", accepted: "教育局已同意扩班", refused: "教育局未同意扩班" };

  function setResult(target, text, ok) {
    target.textContent = text;
    target.classList.add("zjt-msg");
    target.classList.toggle("zjt-msg--ok", !!ok);
    target.classList.toggle("zjt-msg--error", !ok);
  }

  function expansionForm(c) {
    var box = el("div");
    var extra = el("input", { type: "number", min: "1", max: "200", value: String(Math.max(1, c.waitlist || 1)), "aria-label": "扩班人数", style: "width:5em" });
    var reason = el("input", { type: "text", maxlength: "200", placeholder: "申请理由", "aria-label": "申请理由", style: "width:100%" });
    var b = el("button", { type: "button", "class": "md-button" }, "申请扩班");
    var msg = el("p", { "class": "zjt-msg", role: "status", "aria-live": "polite" });
    var key = null;
    b.addEventListener("click", async function () {
      key = key || api.uuid();
      b.disabled = true;
      try {
        await api.request("POST", "/institution/expansions", {
          body: { class_id: c.class_id, extra: parseInt(extra.value, 10) || 1, reason: reason.value.trim() },
          idempotencyKey: key
        });
        key = null;
        setResult(msg, "已提交扩班申请", true);
        setTimeout(load, 800);
      } catch (e) {
        if (e.status === 401) { api.goLogin(); return; }
        if (e.status !== 0) key = null;
        setResult(msg, e.message, false);
      } finally {
        b.disabled = false;
      }
    });
    var p1 = el("p");
    p1.appendChild(document.createTextNode("扩班人数 "));
    p1.appendChild(extra);
    box.appendChild(p1);
    box.appendChild(el("p")).appendChild(reason);
    box.appendChild(b);
    box.appendChild(msg);
    return box;
  }

  function classCard(c) {
    var li = el("li", { "class": "zjt-selection" });
    li.appendChild(el("h3", null, c.project_title + " · " + c.class_name));
    li.appendChild(el("p", { "class": "zjt-muted" }, api.dayRange(c.start_date, c.end_date)));
    li.appendChild(el("p", { "class": "zjt-demand" }, "已选 " + c.held + " / 名额 " + c.capacity + "，候补 " + c.waitlist + " 人"));
    if (c.expansion) {
      var e = c.expansion;
      li.appendChild(el("p", { "class": "zjt-status" }, EXP[e.state] + "（申请 " + e.extra + " 人）" + (e.decision_reason ? "：" + e.decision_reason : "")));
    } else if (c.held >= c.capacity && c.waitlist > 0) {
      // Expansion is for a full class that teachers wait for (SE-3); other classes need none.
      li.appendChild(expansionForm(c));
    } else if (c.held >= c.capacity) {
      li.appendChild(el("p", { "class": "zjt-muted" }, "已满员，暂无候补，无需扩班。"));
    }
    var r = el("button", { type: "button", "class": "md-button md-button--primary zjt-open-roster" }, "名单与复核");
    r.addEventListener("click", function () { openRoster(c.class_id); });
    li.appendChild(r);
    return li;
  }

  function picked() {
    return Array.prototype.map.call(rosterList.querySelectorAll("input.zjt-pick:checked"), function (c) {
      return { teacher_id: c.getAttribute("data-teacher"), class_id: current };
    });
  }

  async function recheck(items, decision) {
    var reason = reasonEl.value.trim();
    if (!items.length) { setResult(resultEl, "请先勾选要复核的选课", false); return; }
    if (decision === "reject" && reason.length < 2) { setResult(resultEl, "不通过时必须填写原因", false); reasonEl.focus(); return; }
    try {
      var res = await api.request("POST", "/institution/rechecks", { body: { items: items, decision: decision, reason: reason } });
      var results = (res.data && res.data.results) || [];
      var bad = results.filter(function (r) { return !r.ok; });
      setResult(resultEl, "已处理 " + (results.length - bad.length) + " 条" + (bad.length ? "；未处理：" + bad.map(function (r) { return r.message; }).join("；") : ""), !bad.length);
      openRoster(current);
      load();
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      setResult(resultEl, e.message, false);
    }
  }

  async function openRoster(cid) {
    current = cid;
    roster.hidden = false;
    rosterList.textContent = "";
    try {
      var res = await api.request("GET", "/institution/classes/" + encodeURIComponent(cid) + "/roster");
      var d = res.data || {};
      root.querySelector(".zjt-roster-title").textContent = "班期名单：" + d["class"].project_title + " · " + d["class"].class_name;
      (d.selections || []).forEach(function (s) {
        var li = el("li", { "class": "zjt-selection" });
        var p = el("p");
        if (s.status === "school_approved") {
          p.appendChild(el("input", { type: "checkbox", "class": "zjt-pick", "data-teacher": s.teacher_id, "aria-label": "选择" }));
          p.appendChild(document.createTextNode(" "));
        }
        p.appendChild(el("strong", null, (s.teacher_name || s.teacher_id) + "（" + s.teacher_id + "）"));
        li.appendChild(p);
        li.appendChild(el("p", { "class": "zjt-status zjt-status--" + s.status }, s.status_text + "，第" + s.round + "轮"));
        if (s.reason) li.appendChild(el("p", null, "原因：" + s.reason));
        rosterList.appendChild(li);
      });
      var wl = d.waitlist || [];
      root.querySelector(".zjt-waitlist-line").textContent = wl.length ? "候补 " + wl.length + " 人：" + wl.map(function (w) { return w.position + ". " + w.teacher_id; }).join("，") : "无候补";
      roster.scrollIntoView();
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      setResult(resultEl, e.message, false);
    }
  }

  async function exportXlsx() {
    if (!current) return;
    try {
      var resp = await fetch("/api/institution/classes/" + encodeURIComponent(current) + "/export", { headers: { Authorization: "Bearer " + api.token() } });
      if (!resp.ok) { setResult(resultEl, "导出失败，请稍后重试", false); return; }
      var blob = await resp.blob();
      var a = el("a", { href: URL.createObjectURL(blob), download: "班期名单-" + current + ".xlsx" });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setResult(resultEl, "已导出", true);
    } catch (e) {
      setResult(resultEl, "网络连接失败，请检查网络后重试", false);
    }
  }

  async function load() {
    if (api.needLogin(msgEl, "（培训机构账号）。")) return;
    try {
      var res = await api.request("GET", "/institution/classes");
      var list = (res.data && res.data.classes) || [];
      listEl.textContent = "";
      // Full classes with a waitlist first (most waited for first), then full ones, then by fill.
      list.sort(function (a, b) {
        var fa = a.held >= a.capacity, fb = b.held >= b.capacity;
        if ((fa && a.waitlist > 0) !== (fb && b.waitlist > 0)) return fa && a.waitlist > 0 ? -1 : 1;
        if (fa !== fb) return fa ? -1 : 1;
        if (a.waitlist !== b.waitlist) return b.waitlist - a.waitlist;
        return b.held / Math.max(1, b.capacity) - a.held / Math.max(1, a.capacity);
      });
      var full = list.filter(function (c) { return c.held >= c.capacity; }).length;
      var waiting = list.filter(function (c) { return c.held >= c.capacity && c.waitlist > 0; }).length;
      msgEl.textContent = "本机构本学期共 " + list.length + " 个班期，满员 " + full + " 个，其中 " + waiting + " 个有候补。";
      list.forEach(function (c) { listEl.appendChild(classCard(c)); });
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msgEl.textContent = e.message;
    }
  }

  root.querySelector(".zjt-all").addEventListener("change", function (evt) {
    Array.prototype.forEach.call(rosterList.querySelectorAll("input.zjt-pick"), function (c) { c.checked = evt.target.checked; });
  });
  root.querySelector(".zjt-confirm").addEventListener("click", function () { recheck(picked(), "confirm"); });
  root.querySelector(".zjt-reject").addEventListener("click", function () { recheck(picked(), "reject"); });
  root.querySelector(".zjt-export").addEventListener("click", exportXlsx);
  load();
})();
