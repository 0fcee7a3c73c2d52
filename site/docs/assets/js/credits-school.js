/* 学分管理 (principal, school admin): the school's teachers' credit progress (GET
   /api/credits/progress) and 校本研修 registrations: one by one (POST /api/credits/school-based),
   by xlsx with a report per row (POST /api/credits/school-based/imports; the template from
   GET /api/credits/school-based/template), the list with 撤回 for pending ones. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-credits-school");
  if (!root) return;
  var api = window.ZJT, el = api.el, T = window.ZJTTrain, C = window.ZJTCredits;
  var msg = root.querySelector(".zjt-msg");
  var progressBox = root.querySelector(".zjt-progress");
  var form = root.querySelector(".zjt-sb-form");
  var formMsg = root.querySelector(".zjt-sb-msg");
  var upMsg = root.querySelector(".zjt-sb-upload-msg");
  var report = root.querySelector(".zjt-sb-report");
  var list = root.querySelector(".zjt-sb-list");
  var statusSel = root.querySelector("[name=status]");
  var fileInput = root.querySelector("[name=file]");

  function num(v) { var n = Number(v); return isFinite(n) ? n : 0; }

  async function loadProgress() {
    var res = await api.request("GET", "/credits/progress");
    var v = res.data;
    C.render(progressBox, v, "");
    var sel = form.querySelector("[name=teacher_id]");
    var keep = sel.value;
    sel.textContent = "";
    sel.appendChild(el("option", { value: "" }, "请选择教师"));
    v.teachers.slice().sort(function (a, b) { return a.name.localeCompare(b.name, "zh"); }).forEach(function (t) {
      sel.appendChild(el("option", { value: t.teacher_id }, t.name + "（本周期 " + t.total + " 学分）"));
    });
    sel.value = keep;
    msg.textContent = "";
  }

  async function loadList() {
    var q = statusSel.value ? "?status=" + statusSel.value : "";
    var res = await api.request("GET", "/credits/school-based" + q);
    var rows = res.data.registrations || [];
    list.textContent = "";
    if (!rows.length) { list.appendChild(el("li", { "class": "zjt-muted" }, "没有登记记录。")); return; }
    rows.forEach(function (r) {
      var li = el("li", { "class": "zjt-sb-item", "data-registration-id": r.registration_id });
      var top = el("p", { "class": "zjt-ledger__top" });
      top.appendChild(el("span", null, r.teacher_name + " · " + r.title));
      top.appendChild(el("span", { "class": "zjt-status zjt-status--" + r.status }, r.status_text));
      li.appendChild(top);
      li.appendChild(el("p", { "class": "zjt-muted" }, api.day(r.on) + " · " + (r.offline + r.online) + " 学分" +
        (r.hours ? " · " + r.hours + " 学时" : "") + " · " + r.registered_by_name + "登记"));
      if (r.reason) li.appendChild(el("p", { "class": "zjt-muted" }, "原因：" + r.reason));
      if (r.status === "pending") {
        var b = el("button", { type: "button", "class": "md-button" }, "撤回");
        b.addEventListener("click", async function () {
          if (!(await api.dialog({ title: "撤回登记", body: "撤回“" + r.title + "”（" + r.teacher_name + "）的校本研修学分登记？", ok: "撤回" }))) return;
          try {
            var out = await api.request("POST", "/credits/school-based/decisions", { body: { items: [{ teacher_id: r.teacher_id, registration_id: r.registration_id }], decision: "withdraw" } });
            var res0 = out.data.results[0];
            api.toast(res0.ok ? "已撤回" : res0.message, res0.ok ? "" : "error");
            await Promise.all([loadList(), loadProgress()]);
          } catch (e) { api.toast(e.message, "error"); }
        });
        li.appendChild(b);
      }
      list.appendChild(li);
    });
  }

  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var f = form.elements;
    if (!f.teacher_id.value) { formMsg.textContent = "请选择教师"; return; }
    if (num(f.offline.value) + num(f.online.value) <= 0) { formMsg.textContent = "线下学分和线上学分至少填写一项"; return; }
    formMsg.textContent = "正在登记……";
    try {
      var res = await api.request("POST", "/credits/school-based", { body: {
        teacher_id: f.teacher_id.value, title: f.title.value.trim(), on: f.on.value,
        hours: num(f.hours.value), offline: num(f.offline.value), online: num(f.online.value), note: f.note.value.trim()
      } });
      var r = res.data;
      formMsg.textContent = "已登记：" + r.teacher_name + " " + (r.offline + r.online) + " 学分，待县（市、区）教育局审核。";
      f.title.value = ""; f.note.value = "";
      await Promise.all([loadList(), loadProgress()]);
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      var first = e.body && e.body.errors && e.body.errors[0];
      formMsg.textContent = first ? e.message + "：" + first.message : e.message;
    }
  });

  root.querySelector(".zjt-sb-template").addEventListener("click", async function () {
    try { await T.download("/credits/school-based/template", "校本研修学分登记模板.xlsx"); } catch (e) { api.toast(e.message, "error"); }
  });

  function readFile(file) {
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () { resolve(String(r.result).split(",")[1] || ""); };
      r.onerror = function () { reject(new Error("read")); };
      r.readAsDataURL(file);
    });
  }

  root.querySelector(".zjt-sb-upload").addEventListener("click", async function () {
    var file = fileInput.files && fileInput.files[0];
    if (!file) { upMsg.textContent = "请先选择填好的登记表"; return; }
    upMsg.textContent = "正在登记……";
    report.textContent = "";
    try {
      var content = await readFile(file);
      var res = await api.request("POST", "/credits/school-based/imports", { body: { file_name: file.name, content_base64: content } });
      var d = res.data;
      upMsg.textContent = "已登记 " + d.registered + " 行" + (d.refused ? "，" + d.refused + " 行未登记（见下表）" : "") + "。";
      var bad = d.rows.filter(function (r) { return !r.ok; });
      if (bad.length) {
        var ol = el("ol", { "class": "zjt-sb-list" });
        bad.forEach(function (r) { ol.appendChild(el("li", null, "第 " + r.row + " 行 " + (r.name || r.teacher_id) + "：" + r.message)); });
        report.appendChild(ol);
      }
      await Promise.all([loadList(), loadProgress()]);
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      upMsg.textContent = e.message;
    }
  });

  statusSel.addEventListener("change", function () { loadList().catch(function (e) { api.toast(e.message, "error"); }); });

  async function load() {
    if (api.needLogin(msg, "后管理本校教师学分。")) return;
    try {
      await Promise.all([loadProgress(), loadList()]);
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msg.textContent = e.message;
    }
  }
  load();
})();
