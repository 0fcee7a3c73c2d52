/* 教育局受理扩班: GET /api/bureau/expansions, POST /api/bureau/expansions/<class_id>
   ({accept, reason}; reason required to refuse). Plain ES2017. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-bureau");
  if (!root) return;
  var api = window.ZJT;
  var el = api.el;
  var msgEl = root.querySelector(".zjt-msg");
  var listEl = root.querySelector(".zjt-expansions");
  var STATE = { applied: "待受理", accepted: "已同意", refused: "未同意" };

  function card(e) {
    var li = el("li", { "class": "zjt-selection" });
    li.appendChild(el("h3", null, e.project_title + " · " + e.class_name));
    li.appendChild(el("p", { "class": "zjt-muted" }, e.institution_name + "，申请扩班 " + e.extra + " 人"));
    li.appendChild(el("p", null, "理由：" + e.reason));
    li.appendChild(el("p", { "class": "zjt-status" }, STATE[e.state] + (e.decision_reason ? "：" + e.decision_reason : "")));
    if (e.state !== "applied") return li;
    var reason = el("input", { type: "text", maxlength: "200", placeholder: "不同意时必填原因", "aria-label": "原因", style: "width:100%" });
    var yes = el("button", { type: "button", "class": "md-button md-button--primary" }, "同意扩班");
    var no = el("button", { type: "button", "class": "md-button" }, "不同意");
    var msg = el("p", { "class": "zjt-msg", role: "status", "aria-live": "polite" });
    async function decide(accept) {
      if (!accept && reason.value.trim().length < 2) { msg.textContent = "不同意时必须填写原因"; msg.className = "zjt-msg zjt-msg--error"; return; }
      yes.disabled = no.disabled = true;
      try {
        var res = await api.request("POST", "/bureau/expansions/" + encodeURIComponent(e.class_id), { body: { accept: accept, reason: reason.value.trim() } });
        var d = res.data || {};
        msg.textContent = accept ? "已同意，递补候补教师 " + (d.promoted || 0) + " 人" : "已处理";
        msg.className = "zjt-msg zjt-msg--ok";
        setTimeout(load, 1200);
      } catch (err) {
        if (err.status === 401) { api.goLogin(); return; }
        msg.textContent = err.message;
        msg.className = "zjt-msg zjt-msg--error";
        yes.disabled = no.disabled = false;
      }
    }
    yes.addEventListener("click", function () { decide(true); });
    no.addEventListener("click", function () { decide(false); });
    li.appendChild(el("p")).appendChild(reason);
    var bar = el("p");
    bar.appendChild(yes);
    bar.appendChild(document.createTextNode(" "));
    bar.appendChild(no);
    li.appendChild(bar);
    li.appendChild(msg);
    return li;
  }

  async function load() {
    if (api.needLogin(msgEl, "（教育局账号）。")) return;
    try {
      var res = await api.request("GET", "/bureau/expansions");
      var list = (res.data && res.data.expansions) || [];
      listEl.textContent = "";
      msgEl.textContent = list.length ? "共 " + list.length + " 个扩班申请。" : "暂无需要受理的扩班申请。";
      list.forEach(function (e) { listEl.appendChild(card(e)); });
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msgEl.textContent = e.message;
    }
  }

  load();
})();
