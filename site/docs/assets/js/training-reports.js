/* 未完成培训名单 (school staff, bureaus): GET /api/training/noncompletion (+ /export xlsx); the
   responsible bureau corrects a row to 合格 (POST /api/training/classes/<cid>/completion).
   开班情况与取消办班 (bureaus): GET /api/training/bureau/classes, POST .../cancel. */
(function () {
  "use strict";
  var api = window.ZJT, el = api.el, T = window.ZJTTrain;

  var reports = document.getElementById("zjt-train-reports");
  if (reports) {
    var msg = reports.querySelector(".zjt-msg");
    var list = reports.querySelector(".zjt-report-list");
    var exp = reports.querySelector(".zjt-export");
    exp.addEventListener("click", async function () {
      try { await T.download("/training/noncompletion/export", "未完成培训名单.xlsx"); }
      catch (e) { msg.textContent = e.message; msg.className = "zjt-msg zjt-msg--error"; }
    });
    /* The class's responsible bureau corrects a completion after the deadline (QA-2), e.g. one
       the institution left undecided: 更正为合格 with a reason. */
    function correction(r) {
      var box = el("p", { "class": "zjt-correct" });
      var reason = el("input", { type: "text", maxlength: "200", placeholder: "更正原因（必填）", "class": "zjt-correct-reason", "aria-label": "更正原因" });
      var b = el("button", { type: "button", "class": "md-button" }, "更正为合格");
      var m = el("span", { "class": "zjt-msg", role: "status", "aria-live": "polite" });
      b.addEventListener("click", async function () {
        if (reason.value.trim().length < 2) { m.textContent = "请填写更正原因"; m.className = "zjt-msg zjt-msg--error"; return; }
        b.disabled = true;
        try {
          var res = await api.request("POST", "/training/classes/" + encodeURIComponent(r.class_id) + "/completion", { body: { items: [{ teacher_id: r.teacher_id, outcome: "pass", reason: reason.value.trim() }] } });
          var got = res.data.results[0];
          if (!got.ok) throw new Error(got.message);
          m.textContent = "已更正为合格，已从名单中移除。";
          m.className = "zjt-msg zjt-msg--ok";
          setTimeout(load, 1200);
        } catch (e) { m.textContent = e.message; m.className = "zjt-msg zjt-msg--error"; b.disabled = false; }
      });
      box.appendChild(reason); box.appendChild(b); box.appendChild(m);
      return box;
    }

    async function load() {
      if (api.needLogin(msg, "后查看。")) return;
      try {
        var res = await api.request("GET", "/training/noncompletion");
        var rows = res.data.rows || [];
        list.textContent = "";
        msg.className = "zjt-msg";
        msg.textContent = rows.length ? "共 " + rows.length + " 人未完成培训。" : "目前没有未完成培训的教师。";
        exp.hidden = !rows.length;
        rows.forEach(function (r) {
          var li = el("li", { "class": "zjt-selection", "data-teacher-id": r.teacher_id, "data-class-id": r.class_id });
          li.appendChild(el("h3", null, r.teacher_name + " · " + r.school_name));
          li.appendChild(el("p", null, r.project_title + " · " + r.class_name + "（" + r.institution_name + "）"));
          li.appendChild(el("p", null, "原因：" + r.reason));
          li.appendChild(el("p", { "class": "zjt-muted" }, (r.region_name ? r.region_name + " · " : "") + "认定时间 " + T.when(r.decided_at)));
          if (r.correctable) li.appendChild(correction(r));
          list.appendChild(li);
        });
      } catch (e) {
        if (e.status === 401) { api.goLogin(); return; }
        msg.className = "zjt-msg zjt-msg--error";
        msg.textContent = e.status === 403 ? "未完成培训名单供学校和教育局查看。" : e.message;
      }
    }
    load();
  }

  var bureau = document.getElementById("zjt-train-bureau");
  if (bureau) {
    var bmsg = bureau.querySelector(".zjt-msg");
    var blist = bureau.querySelector(".zjt-bureau-list");
    var only = bureau.querySelector(".zjt-only-small");
    var rows = [];

    function render() {
      blist.textContent = "";
      var shown = rows.filter(function (c) { return !only.checked || c.confirmed < c.min_size || c.cancelled; });
      bmsg.textContent = shown.length ? "共 " + shown.length + " 个班期。" : "没有符合条件的班期。";
      shown.forEach(function (c) {
        var li = el("li", { "class": "zjt-selection", "data-class-id": c.class_id });
        li.appendChild(el("h3", null, c.project_title + " · " + c.class_name));
        li.appendChild(el("p", null, c.institution_name + " · " + T.day(c.start_date) + " 至 " + T.day(c.end_date)));
        li.appendChild(el("p", null, "学员 " + c.confirmed + " 人，开班最低 " + c.min_size + " 人 · " + c.stage_text));
        if (c.cancelled) { li.appendChild(el("p", { "class": "zjt-status" }, "已取消：" + c.cancel_reason)); }
        else if (c.cancellable) {
          var reason = el("input", { type: "text", maxlength: "200", placeholder: "取消原因（必填）", "class": "zjt-cancel-reason" });
          var b = el("button", { type: "button", "class": "md-button" }, "取消办班");
          var m = el("p", { "class": "zjt-msg", role: "status", "aria-live": "polite" });
          b.addEventListener("click", async function () {
            if (reason.value.trim().length < 2) { m.textContent = "请填写取消原因"; return; }
            b.disabled = true;
            try {
              var res = await api.request("POST", "/training/classes/" + encodeURIComponent(c.class_id) + "/cancel", { body: { reason: reason.value.trim() } });
              m.textContent = "已取消，释放 " + res.data.released + " 个名额。";
              m.className = "zjt-msg zjt-msg--ok";
              setTimeout(load, 1200);
            } catch (e) { m.textContent = e.message; m.className = "zjt-msg zjt-msg--error"; b.disabled = false; }
          });
          li.appendChild(reason); li.appendChild(b); li.appendChild(m);
        }
        blist.appendChild(li);
      });
    }

    async function load() {
      if (api.needLogin(bmsg, "后查看。")) return;
      try {
        var res = await api.request("GET", "/training/bureau/classes");
        rows = res.data.classes || [];
        render();
      } catch (e) {
        if (e.status === 401) { api.goLogin(); return; }
        bmsg.className = "zjt-msg zjt-msg--error";
        bmsg.textContent = e.status === 403 ? "本页供教育局使用。" : e.message;
      }
    }
    only.addEventListener("change", render);
    load();
  }
})();
