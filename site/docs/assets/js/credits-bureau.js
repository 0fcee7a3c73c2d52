/* 学分进度 (bureaus): the region by school or county from the credits aggregation (GET
   /api/credits/progress/region), a school's teachers (GET /api/credits/progress?school_id=),
   and for a county bureau the 校本研修 registrations to approve, reject or revoke (POST
   /api/credits/school-based/decisions; a reason asked in the page's dialog). */
(function () {
  "use strict";
  var root = document.getElementById("zjt-credits-bureau");
  if (!root) return;
  var api = window.ZJT, el = api.el, C = window.ZJTCredits;
  var msg = root.querySelector(".zjt-msg");
  var progressBox = root.querySelector(".zjt-progress");
  var review = root.querySelector(".zjt-sb-review");
  var list = root.querySelector(".zjt-sb-list");
  var statusSel = review.querySelector("[name=status]");
  var reviewMsg = review.querySelector(".zjt-sb-msg");
  var trail = [];  // the regions and school opened, to go back up

  function back() {
    var b = el("button", { type: "button", "class": "md-button" }, "返回上一级");
    b.addEventListener("click", function () { trail.pop(); var prev = trail.pop(); open(prev || null); });
    return b;
  }

  async function open(target) {
    progressBox.textContent = "";
    progressBox.appendChild(el("p", { "class": "zjt-muted" }, "正在加载……"));
    try {
      var res, q;
      if (target && target.school) {
        res = await api.request("GET", "/credits/progress?school_id=" + encodeURIComponent(target.school));
        q = "school_id=" + encodeURIComponent(target.school);
      } else {
        q = target && target.region ? "region=" + target.region : "";
        res = await api.request("GET", "/credits/progress/region" + (q ? "?" + q : ""));
      }
      var v = res.data;
      trail.push(target);
      C.render(progressBox, v, q, function (g) {
        open(v.level === "county" ? { school: g.code } : { region: g.code });
      });
      if (trail.length > 1) progressBox.insertBefore(back(), progressBox.firstChild);
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      progressBox.textContent = "";
      progressBox.appendChild(el("p", null, e.message));
    }
  }

  function selected() {
    return Array.prototype.map.call(list.querySelectorAll("input[type=checkbox]:checked"), function (cb) {
      return { teacher_id: cb.getAttribute("data-teacher-id"), registration_id: cb.value };
    });
  }

  async function decide(items, decision, reason) {
    reviewMsg.textContent = "正在处理……";
    try {
      var res = await api.request("POST", "/credits/school-based/decisions", { body: { items: items, decision: decision, reason: reason || "" } });
      var out = res.data.results;
      var ok = out.filter(function (r) { return r.ok; }).length;
      var bad = out.filter(function (r) { return !r.ok; });
      reviewMsg.textContent = "已处理 " + ok + " 条" + (bad.length ? "；" + bad.length + " 条未处理：" + bad.map(function (r) { return r.message; }).join("；") : "") + "。";
      await loadList();
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      reviewMsg.textContent = e.message;
    }
  }

  async function loadList() {
    var q = statusSel.value ? "?status=" + statusSel.value : "";
    var res = await api.request("GET", "/credits/school-based" + q);
    var rows = res.data.registrations || [];
    list.textContent = "";
    if (!rows.length) { list.appendChild(el("li", { "class": "zjt-muted" }, statusSel.value === "pending" ? "没有待审核的登记。" : "没有登记记录。")); return; }
    rows.forEach(function (r) {
      var li = el("li", { "class": "zjt-sb-item", "data-registration-id": r.registration_id });
      var lab = el("label");
      if (r.status === "pending") {
        var cb = el("input", { type: "checkbox", value: r.registration_id, "data-teacher-id": r.teacher_id, "aria-label": "选择 " + r.teacher_name + " " + r.title });
        lab.appendChild(cb);
      }
      var text = el("span");
      text.appendChild(el("strong", null, r.teacher_name + " · " + r.school_name));
      text.appendChild(el("span", { "class": "zjt-muted" }, " " + r.title + " · " + api.day(r.on) + " · " + (r.offline + r.online) + " 学分" + (r.hours ? "（" + r.hours + " 学时）" : "")));
      lab.appendChild(text);
      li.appendChild(lab);
      li.appendChild(el("p", { "class": "zjt-status zjt-status--" + r.status }, r.status_text + (r.reason ? "：" + r.reason : "")));
      if (r.status === "approved") {
        var rv = el("button", { type: "button", "class": "md-button" }, "撤销");
        rv.addEventListener("click", async function () {
          var reason = await api.dialog({ title: "撤销已通过的登记", body: r.teacher_name + "：" + r.title + "（" + (r.offline + r.online) + " 学分）。撤销后学分冲销。", ok: "撤销", danger: true,
            input: { label: "撤销原因", required: true, maxlength: 200 } });
          if (reason) decide([{ teacher_id: r.teacher_id, registration_id: r.registration_id }], "revoke", reason);
        });
        li.appendChild(rv);
      }
      list.appendChild(li);
    });
  }

  review.querySelector(".zjt-sb-approve").addEventListener("click", function () {
    var items = selected();
    if (!items.length) { reviewMsg.textContent = "请先勾选要通过的登记"; return; }
    decide(items, "approve");
  });
  review.querySelector(".zjt-sb-reject").addEventListener("click", async function () {
    var items = selected();
    if (!items.length) { reviewMsg.textContent = "请先勾选不通过的登记"; return; }
    var reason = await api.dialog({ title: "不通过所选登记", body: "共 " + items.length + " 条，学校会收到原因。", ok: "不通过",
      input: { label: "不通过原因", required: true, maxlength: 200 } });
    if (reason) decide(items, "reject", reason);
  });
  statusSel.addEventListener("change", function () { loadList().catch(function (e) { reviewMsg.textContent = e.message; }); });

  async function load() {
    if (api.needLogin(msg, "后查看学分进度。")) return;
    var u = api.user() || {};
    msg.textContent = "";
    await open(null);
    if (u.role === "county_bureau") {
      review.hidden = false;
      try { await loadList(); } catch (e) { reviewMsg.textContent = e.message; }
    }
  }
  load();
})();
