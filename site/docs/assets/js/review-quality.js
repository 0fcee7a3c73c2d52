/* 项目审核, the applying institution's record (issue 14): under each application, its past
   classes' satisfaction (only classes with enough answers) and its spot checks and monitoring
   records (QA-1), from GET /api/quality/review/<project_id>. Added to the items review.js draws
   (watched, not changed), so the review page keeps its own script. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-review");
  if (!root) return;
  var api = window.ZJT, el = api.el, Q = window.ZJTQuality;
  var list = root.querySelector(".zjt-reviews");
  if (!list) return;
  var cache = {};

  function term(t) { return t.slice(0, 4) + "年" + (t.slice(-1) === "1" ? "上" : "下") + "半年"; }

  function summaryText(d) {
    var parts = [];
    parts.push(d.rated_classes ? "往期满意度 " + d.average.toFixed(2) + " 分（" + d.rated_classes + " 个班期，" + d.answers + " 人评价）" : "往期满意度：暂无（评价满 5 人的班期才计入）");
    parts.push(d.checks.length ? "质量监控记录 " + d.checks.length + " 条" + (d.open_checks ? "，" + d.open_checks + " 条待整改" : "") : "无质量监控记录");
    return parts.join(" · ");
  }

  function detail(box, d) {
    if (d.questions.length) Q.questions(box, d.questions, d.institution_name + "往期评分分布");
    if (d.classes.length) {
      Q.table(box, "往期班期评价", ["学期", "项目", "班期", "评价人数", "总体满意度"], d.classes.map(function (c) {
        var o = c.questions.filter(function (q) { return q.key === "overall"; })[0];
        return [term(c.term), c.project_title, c.class_name, c.answers, o ? o.average.toFixed(2) : "—"];
      }));
    }
    if (d.checks.length) {
      Q.table(box, "质量监控记录", ["检查日期", "项目", "班期", "评价", "状态", "发现"], d.checks.map(function (c) {
        return [api.day(c.checked_on), c.project_title, c.class_name, c.rating_text, c.status_text, c.findings];
      }));
    }
  }

  async function add(li) {
    var pid = li.getAttribute("data-project");
    if (!pid || li.querySelector(".zjt-review-quality")) return;
    var det = el("details", { "class": "zjt-review-quality" });
    var sum = el("summary", null, "机构往期评价与质量监控：正在加载……");
    det.appendChild(sum);
    li.appendChild(det);
    try {
      var d = cache[pid] || (cache[pid] = (await api.request("GET", "/quality/review/" + encodeURIComponent(pid))).data);
      sum.textContent = "机构往期评价与质量监控：" + summaryText(d);
      var drawn = false;
      det.addEventListener("toggle", function () {
        if (det.open && !drawn) { drawn = true; detail(det, d); }
      });
    } catch (e) {
      sum.textContent = "机构往期评价与质量监控：" + e.message;
    }
  }

  function scan() { Array.prototype.forEach.call(list.querySelectorAll(".zjt-review-item[data-project]"), add); }
  new MutationObserver(scan).observe(list, { childList: true, subtree: false });
  scan();
})();
