/* 我的信息 (PH-1): GET /api/records/me shows the teacher's own record, the correction window and
   her requests; POST /api/records/me/corrections asks her school to correct it. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-me");
  if (!root) return;
  var api = window.ZJT;
  var el = api.el;
  var msgEl = root.querySelector(".zjt-msg");
  var winEl = root.querySelector(".zjt-me__window");
  var recEl = root.querySelector(".zjt-me__record");
  var actEl = root.querySelector(".zjt-me__actions");
  var form = root.querySelector(".zjt-me__form");
  var histTitle = root.querySelector(".zjt-me__history-title");
  var histEl = root.querySelector(".zjt-me__history");

  function fact(dt, dd) {
    recEl.appendChild(el("dt", null, dt));
    recEl.appendChild(el("dd", null, dd || "—"));
  }

  function windowNote(w) {
    winEl.textContent = "";
    var box = el("div", { "class": "admonition " + (w.open ? "info" : "note") });
    box.appendChild(el("p", { "class": "admonition-title" }, w.name || "教师信息更正"));
    if (w.open) {
      box.appendChild(el("p", null, "更正申请开放至 " + api.lastDay(w.closes) + "。请在选课开始前核对以下信息，有误可申请更正，由本校管理员审核。"));
    } else {
      box.appendChild(el("p", null, w.message || "当前不在信息更正时间内。"));
    }
    winEl.appendChild(box);
  }

  function select(name, label, options, current) {
    var lab = el("label", { "class": "zjt-field" }, label);
    var s = el("select", { name: name });
    options.forEach(function (o) {
      var opt = el("option", { value: o[0] }, o[1]);
      if (o[0] === current) opt.selected = true;
      s.appendChild(opt);
    });
    lab.appendChild(s);
    return lab;
  }

  function field(name, label, value) {
    var lab = el("label", { "class": "zjt-field" }, label);
    lab.appendChild(el("input", { name: name, type: "text", value: value || "", maxlength: "20" }));
    return lab;
  }

  function showForm(d) {
    var t = d.teacher;
    var c = d.choices;
    form.textContent = "";
    form.hidden = false;
    form.appendChild(el("p", { "class": "zjt-muted" }, "只需修改有误的项目，其余保持不变。"));
    form.appendChild(select("school_id", "学校", c.schools.map(function (s) { return [s.school_id, s.name]; }), t.school_id));
    form.appendChild(select("stage", "学段", c.stages.map(function (s) { return [s, s]; }), t.stage));
    form.appendChild(field("subject", "学科", t.subject));
    form.appendChild(select("title", "专业技术职务", [["", "（无）"]].concat(c.titles.map(function (s) { return [s, s]; })), t.title));
    var note = el("label", { "class": "zjt-field" }, "说明（学校管理员会看到）");
    note.appendChild(el("textarea", { name: "note", rows: "3", maxlength: "200" }));
    form.appendChild(note);
    var err = el("p", { "class": "zjt-field-error", role: "alert" });
    form.appendChild(err);
    var bar = el("p");
    var send = el("button", { type: "submit", "class": "md-button md-button--primary" }, "提交更正申请");
    var cancel = el("button", { type: "button", "class": "md-button" }, "取消");
    cancel.addEventListener("click", function () { form.hidden = true; });
    bar.appendChild(send);
    bar.appendChild(document.createTextNode(" "));
    bar.appendChild(cancel);
    form.appendChild(bar);
    form.onsubmit = async function (ev) {
      ev.preventDefault();
      var body = {};
      ["school_id", "stage", "subject", "title", "note"].forEach(function (k) {
        body[k] = form.elements[k].value.trim();
      });
      var changed = ["school_id", "stage", "subject", "title"].some(function (k) { return body[k] !== (t[k] || ""); });
      if (!changed) { err.textContent = "请先修改有误的项目"; return; }
      if (!body.subject) { err.textContent = "请填写学科"; form.elements.subject.focus(); return; }
      send.disabled = true;
      err.textContent = "";
      try {
        await api.request("POST", "/records/me/corrections", { body: body });
        form.hidden = true;
        api.toast("已提交更正申请，等待学校管理员审核");
        await load();
      } catch (e) {
        if (e.status === 401) { api.goLogin(); return; }
        err.textContent = e.message;
        send.disabled = false;
      }
    };
    form.elements.school_id.focus();
  }

  function history(list) {
    histEl.textContent = "";
    histTitle.hidden = !list.length;
    list.forEach(function (r) {
      var li = el("li", { "class": "zjt-selection" });
      li.appendChild(el("p", { "class": "zjt-status zjt-status--" + r.status }, r.status_text));
      var ul = el("ul");
      r.items.forEach(function (i) { ul.appendChild(el("li", null, i.label + "：" + i.before + " → " + i.after)); });
      li.appendChild(ul);
      li.appendChild(el("p", { "class": "zjt-muted" }, "提交于 " + api.dayTime(r.created_at) + (r.decided_at ? "，" + (r.decided_by_name || "学校") + " 处理于 " + api.dayTime(r.decided_at) : "")));
      if (r.reason) li.appendChild(el("p", null, "原因：" + r.reason));
      histEl.appendChild(li);
    });
  }

  async function load() {
    if (api.needLogin(msgEl, "后查看我的信息。")) return;
    try {
      var d = (await api.request("GET", "/records/me")).data;
      var t = d.teacher;
      msgEl.textContent = "";
      windowNote(d.window);
      recEl.textContent = "";
      fact("姓名", t.name);
      fact("学校", t.school_name);
      fact("地区", d.region_name);
      fact("学段", t.stage);
      fact("学科", t.subject);
      fact("专业技术职务", t.title);
      fact("身份证件号", t.id_number);
      fact("信息来源", t.source_text);
      actEl.textContent = "";
      if (d.open_request) {
        actEl.appendChild(el("span", { "class": "zjt-muted" }, "你的更正申请正在等待学校管理员审核。"));
      } else if (d.window.open) {
        var b = el("button", { type: "button", "class": "md-button md-button--primary" }, "申请更正");
        b.addEventListener("click", function () { showForm(d); });
        actEl.appendChild(b);
      }
      history(d.requests);
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msgEl.textContent = e.message;
    }
  }

  load();
})();
