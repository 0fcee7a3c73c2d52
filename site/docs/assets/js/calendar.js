/* 进程表: marks the phases open now, from GET /api/phases. */
(function () {
  "use strict";
  var table = document.querySelector(".zjt-calendar");
  if (!table) return;
  var note = document.getElementById("zjt-phases-now");

  function when(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return iso;
    return d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
  }

  async function load() {
    try {
      var res = await window.ZJT.request("GET", "/phases", { auth: false });
      var data = res.data || {};
      var open = data.open || [];
      var rows = table.querySelectorAll("tr[data-phase]");
      Array.prototype.forEach.call(rows, function (tr) {
        var isOpen = data.term === table.getAttribute("data-term") && open.indexOf(tr.getAttribute("data-phase")) >= 0;
        tr.classList.toggle("zjt-open", isOpen);
        var badge = tr.querySelector(".zjt-phase-state");
        if (badge) badge.hidden = !isOpen;
      });
      if (note) {
        var text = "平台时间：" + when(data.now) + "。";
        if (data.term && data.term !== table.getAttribute("data-term")) text += "当前学期为 " + data.term + "，本表不是当前学期。";
        else text += open.length ? "当前进行中的环节已高亮标出。" : "当前没有进行中的环节。";
        note.textContent = text;
      }
    } catch (e) {
      if (note) note.textContent = "暂时无法获取当前进行中的环节（" + e.message + "）。";
    }
  }

  load();
})();
