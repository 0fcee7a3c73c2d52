/* 扫码报到: the QR code opens /training/checkin/?c=<class>&k=<code>; the page checks in at once
   (POST /api/training/checkin) and shows the answer. Without a code it offers the form. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-train-checkin");
  if (!root) return;
  var api = window.ZJT;
  var msg = root.querySelector(".zjt-msg");
  var form = root.querySelector(".zjt-checkin-form");
  var classSel = root.querySelector(".zjt-checkin-class");
  var codeIn = root.querySelector(".zjt-checkin-code");
  var params = new URLSearchParams(location.search);

  function show(text, ok) {
    msg.textContent = text;
    msg.className = "zjt-msg " + (ok ? "zjt-msg--ok" : "zjt-msg--error");
  }

  async function checkin(classId, code) {
    msg.textContent = "正在报到……";
    msg.className = "zjt-msg";
    try {
      var res = await api.request("POST", "/training/checkin", { body: { class_id: classId, code: code } });
      show(res.data.message, true);
      root.setAttribute("data-checked-in", classId);
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      show(e.message, false);
    }
  }

  async function offerForm() {
    try {
      var res = await api.request("GET", "/training/mine");
      var list = (res.data.classes || []).filter(function (c) { return !c.cancelled; });
      classSel.textContent = "";
      list.forEach(function (c) {
        classSel.appendChild(api.el("option", { value: c.class_id }, c.project_title + " · " + c.class_name));
      });
      if (!list.length) { msg.textContent = "你没有已确认的班期，无需报到。"; return; }
      msg.textContent = "请输入现场显示的报到码。";
      form.hidden = false;
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      show(e.message, false);
    }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    checkin(classSel.value, codeIn.value.trim());
  });

  if (api.needLogin(msg, "后报到。")) return;
  if (params.get("c") && params.get("k")) checkin(params.get("c"), params.get("k"));
  else offerForm();
})();
