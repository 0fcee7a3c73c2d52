/* 考勤与结业 (teacher): GET /api/training/mine: check-in, attendance per session, online hours,
   the completion result with its reason; a cancelled class with the bureau's reason. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-train-mine");
  if (!root) return;
  var api = window.ZJT, el = api.el, T = window.ZJTTrain;
  var msg = root.querySelector(".zjt-msg");
  var list = root.querySelector(".zjt-mine-list");

  function item(c) {
    var li = el("li", { "class": "zjt-selection", "data-class-id": c.class_id });
    li.appendChild(el("h3", null, c.project_title + " · " + c.class_name));
    li.appendChild(el("p", { "class": "zjt-result__inst" }, c.institution_name + (c.place ? " · " + c.place : "")));
    li.appendChild(el("p", null, T.day(c.start_date) + " 至 " + T.day(c.end_date) + " · " + c.status_text));
    if (c.cancelled) {
      li.appendChild(el("p", { "class": "zjt-status zjt-status--cancelled" }, "班期已取消"));
      li.appendChild(el("p", null, c.cancel_reason));
      return li;
    }
    li.appendChild(el("p", { "class": "zjt-checkin-state" }, c.checked_in_at ? "已报到（" + T.when(c.checked_in_at) + "）" : "尚未报到"));
    var table = el("table", { "class": "zjt-att" });
    var head = el("tr");
    ["日期", "课程", "考勤"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    table.appendChild(head);
    c.sessions.forEach(function (s) {
      var tr = el("tr");
      tr.appendChild(el("td", null, T.day(s.day) + (s.start ? " " + s.start.slice(0, 5) : "")));
      tr.appendChild(el("td", null, s.topic));
      tr.appendChild(el("td", null, s.mark_text ? s.mark_text + (s.reason ? "（" + s.reason + "）" : "") : "未记录"));
      table.appendChild(tr);
    });
    var wrap = el("div", { "class": "zjt-scroll" });
    wrap.appendChild(table);
    li.appendChild(wrap);
    if (c.online_required) li.appendChild(el("p", null, "线上学习：" + (c.online_hours || 0) + " / " + c.online_required + " 学时"));
    if (c.outcome) {
      li.appendChild(el("p", { "class": "zjt-status zjt-status--" + (c.outcome === "pass" ? "confirmed" : "school_rejected") }, "结业结果：" + c.outcome_text));
      if (c.outcome_reason) li.appendChild(el("p", null, "原因：" + c.outcome_reason));
    } else if (c.proposal) {
      li.appendChild(el("p", { "class": "zjt-muted" }, "结业结果待培训机构认定（" + T.day(c.deadline) + "前）。"));
    }
    return li;
  }

  async function load() {
    if (api.needLogin(msg, "后查看考勤与结业。")) return;
    try {
      var res = await api.request("GET", "/training/mine");
      var rows = res.data.classes || [];
      list.textContent = "";
      msg.textContent = rows.length ? "共 " + rows.length + " 个班期。" : "你还没有已确认的培训班期。";
      rows.forEach(function (c) { list.appendChild(item(c)); });
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msg.classList.add("zjt-msg--error");
      msg.textContent = e.message;
    }
  }
  load();
})();
