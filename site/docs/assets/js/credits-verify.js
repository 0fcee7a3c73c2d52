/* 证书验证 (public, no login): GET /api/verify/<code> — valid or revoked, the holder's name
   masked. The certificate's QR code opens this page with ?c=<code>. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-verify");
  if (!root) return;
  var api = window.ZJT, el = api.el;
  var form = root.querySelector(".zjt-verify__form");
  var input = form.querySelector("[name=code]");
  var msg = root.querySelector(".zjt-msg");
  var box = root.querySelector(".zjt-verify__result");

  function yday(iso) { return String(iso).slice(0, 4) + "年" + api.day(iso); }
  function row(dl, k, v) { dl.appendChild(el("dt", null, k)); dl.appendChild(el("dd", null, v)); }

  async function check(code) {
    box.hidden = true;
    msg.textContent = "正在验证……";
    try {
      var res = await api.request("GET", "/verify/" + encodeURIComponent(code.trim()), { auth: false });
      var c = res.data;
      box.textContent = "";
      box.appendChild(el("p", { "class": "zjt-status zjt-status--" + (c.valid ? "confirmed" : "school_rejected") + " zjt-verify__state" },
        c.valid ? "证书有效" : "证书已撤销"));
      var dl = el("dl", { "class": "zjt-verify__facts" });
      row(dl, "证书编号", c.code);
      row(dl, "持证人", c.teacher_name);
      row(dl, "培训项目", "《" + c.project_title + "》" + c.class_name + (c.segment_name || ""));
      row(dl, "培训机构", c.institution_name);
      if (c.start_date && c.end_date) row(dl, "培训时间", yday(c.start_date) + " 至 " + api.day(c.end_date));
      row(dl, "学时", String(c.hours));
      row(dl, "学分", String(c.credits));
      row(dl, "发证日期", yday(c.issued_on));
      if (!c.valid) row(dl, "状态", c.status_text);
      box.appendChild(dl);
      box.hidden = false;
      msg.textContent = "";
    } catch (e) {
      msg.textContent = e.status === 404 ? "没有找到该编号的证书，请核对后重新输入。" : e.message;
    }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (input.value.trim().length < 10) { msg.textContent = "请输入证书上的 12 位编号"; return; }
    history.replaceState(null, "", "?c=" + encodeURIComponent(input.value.trim()));
    check(input.value);
  });
  var code = new URLSearchParams(location.search).get("c");
  if (code) { input.value = code; check(code); }
})();
