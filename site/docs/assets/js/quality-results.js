/* 满意度测评结果 (institution, bureaus, the centre, the monitor): GET /api/quality/evaluations
   lists this term's classes with answers; a class with enough answers opens its averages,
   distribution chart and comments (GET /api/quality/evaluations/<class_id>). */
(function () {
  "use strict";
  var root = document.getElementById("zjt-eval-results");
  if (!root) return;
  var api = window.ZJT, el = api.el, Q = window.ZJTQuality;
  var msg = root.querySelector(".zjt-msg");
  var list = root.querySelector(".zjt-eval-results");

  async function open(r, box, button) {
    button.disabled = true;
    try {
      var res = await api.request("GET", "/quality/evaluations/" + encodeURIComponent(r.class_id));
      var d = res.data;
      box.textContent = "";
      Q.questions(box, d.questions, d.project_title + d.class_name + "评分分布");
      if (d.comments.length) {
        box.appendChild(el("h4", null, "意见和建议（" + d.comments.length + " 条）"));
        var ul = el("ul", { "class": "zjt-eval-comments" });
        d.comments.forEach(function (c) { ul.appendChild(el("li", null, c)); });
        box.appendChild(ul);
      }
      button.remove();
    } catch (e) {
      button.disabled = false;
      api.toast(e.message, "error");
    }
  }

  function item(r) {
    var li = el("li", { "class": "zjt-selection", "data-class-id": r.class_id });
    li.appendChild(el("h3", null, r.project_title + " · " + r.class_name));
    li.appendChild(el("p", { "class": "zjt-result__inst" }, r.institution_name + (r.end_date ? " · " + api.day(r.end_date) + "结束" : "")));
    if (!r.shown) {
      li.appendChild(el("p", { "class": "zjt-muted" }, "已有 " + r.answers + " 人评价，满 " + r.min_answers + " 人后显示结果。"));
      return li;
    }
    var overall = r.questions.filter(function (q) { return q.key === "overall"; })[0];
    li.appendChild(el("p", null, r.answers + " 人评价 · 总体满意度 " + overall.average.toFixed(2) + " 分"));
    var box = el("div", { "class": "zjt-eval-detail" });
    var b = el("button", { type: "button", "class": "md-button" }, "查看分布和意见");
    b.addEventListener("click", function () { open(r, box, b); });
    li.appendChild(b);
    li.appendChild(box);
    return li;
  }

  async function load() {
    if (api.needLogin(msg, "后查看满意度测评结果。")) return;
    try {
      var res = await api.request("GET", "/quality/evaluations");
      var rows = res.data.classes || [];
      list.textContent = "";
      msg.textContent = rows.length ? "本学期共 " + rows.length + " 个班期有评价。" : "本学期还没有班期收到评价。";
      rows.forEach(function (r) { list.appendChild(item(r)); });
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msg.textContent = e.message;
    }
  }
  load();
})();
