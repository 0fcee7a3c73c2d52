/* 满意度测评 (teacher): GET /api/quality/evaluations/mine lists the classes she attended that
   have ended; an open one carries the questionnaire (four questions 1–5 and a comment), sent
   once with POST /api/quality/evaluations. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-evaluate");
  if (!root) return;
  var api = window.ZJT, el = api.el;
  var msg = root.querySelector(".zjt-msg");
  var list = root.querySelector(".zjt-eval-list");
  var QUESTIONS = [["overall", "总体满意度"], ["content", "培训内容"], ["instructors", "授课教师"], ["organisation", "组织管理"]];
  var SCALE = ["很不满意", "不满意", "一般", "满意", "很满意"];

  function form(c, li) {
    var f = el("form", { "class": "zjt-eval-form" });
    QUESTIONS.forEach(function (q) {
      var fs = el("fieldset", { "class": "zjt-eval-q" });
      fs.appendChild(el("legend", null, q[1]));
      SCALE.forEach(function (s, i) {
        var lab = el("label", { "class": "zjt-eval-choice" });
        var input = el("input", { type: "radio", name: q[0], value: String(i + 1), required: "" });
        lab.appendChild(input);
        lab.appendChild(document.createTextNode(s));
        fs.appendChild(lab);
      });
      f.appendChild(fs);
    });
    var com = el("label", { "class": "zjt-field" }, "意见和建议（选填）");
    com.appendChild(el("textarea", { name: "comment", rows: "3", maxlength: "300" }));
    f.appendChild(com);
    var out = el("p", { "class": "zjt-msg", role: "status", "aria-live": "polite" });
    f.appendChild(el("button", { type: "submit", "class": "md-button md-button--primary" }, "提交评价"));
    f.appendChild(out);
    f.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      var body = { class_id: c.class_id, comment: f.elements.comment.value.trim() };
      var missing = QUESTIONS.filter(function (q) {
        var v = f.querySelector("input[name=" + q[0] + "]:checked");
        if (v) body[q[0]] = Number(v.value);
        return !v;
      });
      if (missing.length) { out.textContent = "请为“" + missing[0][1] + "”选择一项"; return; }
      out.textContent = "正在提交……";
      try {
        await api.request("POST", "/quality/evaluations", { body: body });
        li.replaceWith(item(Object.assign({}, c, { done: true, open: false, note: "已评价，感谢你的反馈" })));
        api.toast("评价已提交，感谢你的反馈");
      } catch (e) {
        if (e.status === 401) { api.goLogin(); return; }
        out.textContent = e.message;
      }
    });
    return f;
  }

  function item(c) {
    var li = el("li", { "class": "zjt-selection", "data-class-id": c.class_id });
    li.appendChild(el("h3", null, c.project_title + " · " + c.class_name));
    li.appendChild(el("p", { "class": "zjt-result__inst" }, c.institution_name + " · " + api.dayRange(c.start_date, c.end_date)));
    if (c.open) {
      li.appendChild(el("p", { "class": "zjt-muted" }, "请在" + api.day(c.closes) + "前评价。"));
      li.appendChild(form(c, li));
    } else {
      li.appendChild(el("p", { "class": "zjt-status zjt-status--" + (c.done ? "confirmed" : "none") }, c.note));
    }
    return li;
  }

  async function load() {
    if (api.needLogin(msg, "后评价培训。")) return;
    try {
      var res = await api.request("GET", "/quality/evaluations/mine");
      var rows = res.data.classes || [];
      list.textContent = "";
      var open = rows.filter(function (c) { return c.open; }).length;
      msg.textContent = rows.length ? (open ? "有 " + open + " 个班期待评价。" : "没有待评价的班期。") : "你参加的班期结束后，可以在这里评价培训。";
      rows.forEach(function (c) { list.appendChild(item(c)); });
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msg.textContent = e.message;
    }
  }
  load();
})();
