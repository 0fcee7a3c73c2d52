/* 我的选课: GET /api/selections (status, reason, next step, waitlist position); 退选 and
   取消候补 via DELETE /api/selections/<class_id>. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-my");
  if (!root) return;
  var api = window.ZJT;
  var el = api.el;
  var msgEl = root.querySelector(".zjt-msg");
  var listEl = root.querySelector(".zjt-selections");
  var ROUNDS = { 1: "第一轮", 2: "第二轮" };
  // Statuses a teacher may withdraw from (functions/selection/store.py _WITHDRAWABLE); the API
  // still decides (e.g. outside the selection window) and its message is shown.
  var WITHDRAWABLE = ["pending", "school_approved", "waitlisted"];

  function item(s) {
    var li = el("li", { "class": "zjt-selection" });
    var h = el("h3");
    h.appendChild(el("a", { href: api.siteUrl("projects/" + encodeURIComponent(s.project_id) + "/") }, s.project_title));
    h.appendChild(document.createTextNode(" · " + s.class_name));
    li.appendChild(h);
    li.appendChild(el("p", { "class": "zjt-result__inst" }, s.institution_name));
    li.appendChild(el("p", null, s.start_date + " 至 " + s.end_date + (ROUNDS[s.round] ? " · " + ROUNDS[s.round] + "选课" : "")));
    var st = el("p", { "class": "zjt-status zjt-status--" + s.status }, s.status_text || s.status);
    li.appendChild(st);
    if (s.waitlist_position) li.appendChild(el("p", { "class": "zjt-waitpos" }, "候补位置：第 " + s.waitlist_position + " 位"));
    if (s.reason) li.appendChild(el("p", null, "原因：" + s.reason));
    if (s.next_step) li.appendChild(el("p", { "class": "zjt-muted" }, "下一步：" + s.next_step));
    if (WITHDRAWABLE.indexOf(s.status) >= 0) {
      var msg = el("p", { "class": "zjt-msg", role: "status", "aria-live": "polite" });
      var leaving = s.status === "waitlisted";
      var b = el("button", { type: "button", "class": "md-button" }, leaving ? "取消候补" : "退选");
      var key = null;
      b.addEventListener("click", async function () {
        var what = "「" + s.project_title + " · " + s.class_name + "」";
        var sure = await api.dialog({
          title: leaving ? "取消候补" : "退选",
          body: leaving ? "确定取消" + what + "的候补吗？" : "确定退选" + what + "吗？退选后名额会释放给其他教师。",
          ok: leaving ? "取消候补" : "退选",
          cancel: "再想想",
          danger: true
        });
        if (!sure) return;
        key = key || api.uuid();
        b.disabled = true;
        msg.textContent = leaving ? "正在取消候补……" : "正在退选……";
        try {
          var res = await api.request("DELETE", "/selections/" + encodeURIComponent(s.class_id), { idempotencyKey: key });
          key = null;
          var d = res.data || {};
          msg.textContent = d.message || d.status_text || "已退选";
          msg.className = "zjt-msg zjt-msg--ok";
          setTimeout(load, 1200);
        } catch (e) {
          if (e.status === 401) { api.goLogin(); return; }
          if (e.status !== 0) key = null;
          msg.textContent = e.message;
          msg.className = "zjt-msg zjt-msg--error";
          b.disabled = false;
        }
      });
      li.appendChild(b);
      li.appendChild(msg);
    }
    return li;
  }

  async function load() {
    if (api.needLogin(msgEl, "后查看选课。")) return;
    try {
      var res = await api.request("GET", "/selections");
      var list = (res.data && res.data.selections) || [];
      listEl.textContent = "";
      msgEl.textContent = list.length ? "共 " + list.length + " 个班期。" : "还没有选课。可在选课目录中选择班期。";
      list.forEach(function (s) { listEl.appendChild(item(s)); });
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msgEl.textContent = e.message;
    }
  }

  load();
})();
