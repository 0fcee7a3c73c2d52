/* 结业证书 (teacher): GET /api/credits/certificates/<code>, drawn as an A4 page to print (the
   print style in zjt.css hides everything else). Generated from the completion each time: a
   revised completion shows the certificate as revoked. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-cert");
  if (!root) return;
  var api = window.ZJT, el = api.el;
  var msg = root.querySelector(".zjt-msg");
  var bar = root.querySelector(".zjt-cert-page__actions");
  var doc = root.querySelector(".zjt-cert");

  function ymd(iso) {
    var p = String(iso || "").split("-");
    return p.length === 3 ? (+p[0]) + "年" + (+p[1]) + "月" + (+p[2]) + "日" : "";
  }

  function render(c) {
    doc.textContent = "";
    if (!c.valid) doc.appendChild(el("p", { "class": "zjt-cert__revoked", role: "note" }, "本证书已撤销：" + c.status_text));
    doc.appendChild(el("h2", { "class": "zjt-cert__title" }, "结业证书"));
    var when = c.start_date && c.end_date ? "（" + ymd(c.start_date) + "至" + ymd(c.end_date) + "）" : "";
    var seg = c.segment_name ? c.segment_name : "";
    var body = el("p", { "class": "zjt-cert__body" });
    body.appendChild(el("strong", { "class": "zjt-cert__name" }, c.teacher_name));
    body.appendChild(document.createTextNode(
      " 老师参加" + c.institution_name + "承办的《" + c.project_title + "》" + c.class_name + seg + when +
      "，完成培训 " + c.hours + " 学时，经考核合格，准予结业，认定 " + c.credits + " 学分" +
      (c.credits_online ? "（其中线上 " + c.credits_online + " 学分）" : "") + "。"));
    doc.appendChild(body);
    var foot = el("div", { "class": "zjt-cert__foot" });
    var sign = el("div", { "class": "zjt-cert__sign" });
    sign.appendChild(el("p", null, c.institution_name));
    sign.appendChild(el("p", null, "浙江省中小学教师专业发展培训平台"));
    sign.appendChild(el("p", null, ymd(c.issued_on)));
    var check = el("div", { "class": "zjt-cert__check" });
    var qr = el("div", { "class": "zjt-cert__qr", role: "img", "aria-label": "证书验证二维码" });
    qr.innerHTML = c.qr_svg;  // an SVG the server drew with segno: no script, no external reference
    check.appendChild(qr);
    check.appendChild(el("p", { "class": "zjt-cert__code" }, "证书编号 " + c.code));
    check.appendChild(el("p", { "class": "zjt-cert__url" }, "验证：" + c.verify_url));
    foot.appendChild(sign);
    foot.appendChild(check);
    doc.appendChild(foot);
    doc.hidden = false;
  }

  async function load() {
    if (api.needLogin(msg, "后查看结业证书。")) return;
    var code = new URLSearchParams(location.search).get("c") || "";
    if (!code) { msg.textContent = "缺少证书编号，请从“我的学分”打开证书。"; return; }
    try {
      var res = await api.request("GET", "/credits/certificates/" + encodeURIComponent(code));
      render(res.data);
      msg.textContent = res.data.valid ? "证书有效。请用 A4 纸打印（打印设置中选择“纵向”）。" : "该证书已撤销，不能作为结业凭证。";
      bar.textContent = "";
      var print = el("button", { type: "button", "class": "md-button md-button--primary" }, "打印证书");
      print.addEventListener("click", function () { window.print(); });
      bar.appendChild(print);
      bar.appendChild(document.createTextNode(" "));
      bar.appendChild(el("a", { "class": "md-button", href: api.siteUrl("credits/") }, "返回我的学分"));
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msg.textContent = e.message;
    }
  }
  load();
})();
