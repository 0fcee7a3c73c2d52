/* Shared by the training pages (开班管理, 报到二维码, 扫码报到, 考勤与结业, 未完成培训名单): dates in
   the site's style and xlsx downloads. Plain ES2017. */
(function () {
  "use strict";
  var WEEK = ["日", "一", "二", "三", "四", "五", "六"];

  /* "2024-04-08" -> "4月8日（周一）" */
  function day(iso) {
    var p = String(iso || "").slice(0, 10).split("-");
    if (p.length !== 3) return iso || "";
    var d = new Date(Date.UTC(+p[0], +p[1] - 1, +p[2]));
    return (+p[1]) + "月" + (+p[2]) + "日（周" + WEEK[d.getUTCDay()] + "）";
  }

  /* An ISO instant -> "4月8日 09:10" in Beijing time. */
  function when(iso) {
    if (!iso) return "";
    var t = new Date(iso);
    var bj = new Date(t.getTime() + 8 * 3600 * 1000);
    var hh = String(bj.getUTCHours()).padStart(2, "0"), mm = String(bj.getUTCMinutes()).padStart(2, "0");
    return (bj.getUTCMonth() + 1) + "月" + bj.getUTCDate() + "日 " + hh + ":" + mm;
  }

  async function download(path, filename) {
    var resp = await fetch("/api" + path, { headers: { Authorization: "Bearer " + window.ZJT.token() } });
    if (!resp.ok) {
      var data = null;
      try { data = await resp.json(); } catch (e) { data = null; }
      throw new window.ZJT.ApiError(resp.status, (data && data.code) || "http_" + resp.status, (data && data.message) || "下载失败，请稍后重试", data);
    }
    var blob = await resp.blob();
    var a = window.ZJT.el("a", { href: URL.createObjectURL(blob), download: filename });
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  window.ZJTTrain = { day: day, when: when, download: download };
})();
