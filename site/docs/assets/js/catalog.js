/* 选课目录: loads catalog.json once and filters, sorts and pages it in the browser. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-catalog");
  if (!root) return;

  var PAGE_SIZE = 20;
  var STAGE_ORDER = ["幼儿园", "小学", "初中", "高中", "中职", "特殊教育"];
  var FILTERS = ["stage", "subject", "field", "level", "form"];
  var form = root.querySelector(".zjt-filters");
  var countEl = root.querySelector(".zjt-count");
  var listEl = root.querySelector(".zjt-results");
  var pagerEl = root.querySelector(".zjt-pager");
  var el = window.ZJT.el;

  var rows = [];
  var regions = {};   // code -> {code, name, parent}
  var page = 1;

  function uniq(values, order) {
    var seen = {};
    values.forEach(function (v) { if (v) seen[v] = (seen[v] || 0) + 1; });
    var keys = Object.keys(seen);
    keys.sort(function (a, b) {
      if (order) {
        var ia = order.indexOf(a), ib = order.indexOf(b);
        if (ia !== ib) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
      }
      return a.localeCompare(b, "zh-CN");
    });
    return keys;
  }

  function fillSelect(name, values, labels) {
    var sel = form.elements[name];
    values.forEach(function (v) {
      sel.appendChild(el("option", { value: v }, labels ? labels[v] : v));
    });
  }

  function fillCounties() {
    var sel = form.elements.county;
    var city = form.elements.city.value;
    sel.length = 1;
    if (!city) { sel.disabled = true; return; }
    sel.disabled = false;
    Object.keys(regions).forEach(function (code) {
      if (regions[code].parent === city) sel.appendChild(el("option", { value: code }, regions[code].name));
    });
  }

  function ancestors(code) {
    var out = [];
    while (code && regions[code]) { out.push(code); code = regions[code].parent; }
    return out;
  }

  /* An entry with no regions is open to the whole province; otherwise a target region and the
     chosen region must lie one within the other. */
  function regionMatches(entryRegions, chosen) {
    if (!chosen || !entryRegions.length) return true;
    var up = ancestors(chosen);
    return entryRegions.some(function (r) {
      return up.indexOf(r) >= 0 || ancestors(r).indexOf(chosen) >= 0 || r.slice(2) === "0000";
    });
  }

  function regionLabel(codes) {
    if (!codes.length) return "全省";
    return codes.map(function (c) { return regions[c] ? regions[c].name : c; }).join("、");
  }

  function state() {
    var s = { q: form.elements.q.value.trim(), sort: form.elements.sort.value };
    FILTERS.forEach(function (f) { s[f] = form.elements[f].value; });
    s.region = form.elements.county.value || form.elements.city.value;
    return s;
  }

  function filtered() {
    var s = state();
    var words = s.q ? s.q.toLowerCase().split(/\s+/) : [];
    var out = rows.filter(function (r) {
      for (var i = 0; i < FILTERS.length; i++) {
        if (s[FILTERS[i]] && r[FILTERS[i]] !== s[FILTERS[i]]) return false;
      }
      if (!regionMatches(r.regions, s.region)) return false;
      return words.every(function (w) { return r._text.indexOf(w) >= 0; });
    });
    var by = {
      start: function (a, b) { return a.start < b.start ? -1 : a.start > b.start ? 1 : 0; },
      credits: function (a, b) { return b.credits - a.credits; },
      fee: function (a, b) { return parseFloat(a.fee) - parseFloat(b.fee); }
    }[s.sort] || null;
    if (by) out.sort(by);
    return out;
  }

  function fee(v) {
    var n = parseFloat(v);
    return (n === Math.round(n) ? String(n) : n.toFixed(2)) + " 元";
  }

  function card(r) {
    var li = el("li", { "class": "zjt-result" });
    var h = el("h3");
    h.appendChild(el("a", { href: window.ZJT.siteUrl(r.url) }, r.title));
    li.appendChild(h);
    li.appendChild(el("p", { "class": "zjt-result__inst" }, r.inst));
    var tags = el("p", { "class": "zjt-tags" });
    [r.stage, r.subject, r.field, r.level, r.form].forEach(function (t) {
      tags.appendChild(el("span", { "class": "zjt-tag" }, t));
    });
    if (r.kind === "order") tags.appendChild(el("span", { "class": "zjt-tag zjt-tag--order" }, "订单式"));
    li.appendChild(tags);
    var facts = el("p", { "class": "zjt-result__facts" });
    facts.textContent = r.credits + " 学分 · " + fee(r.fee) + " · " + r.start + " 至 " + r.end +
      " · " + r.classes + " 个班期，共 " + r.capacity + " 人 · 面向" + regionLabel(r.regions);
    li.appendChild(facts);
    return li;
  }

  function pageButton(label, target, current) {
    var b = el("button", { type: "button", "class": "md-button zjt-page" + (current ? " zjt-page--current" : "") }, label);
    if (current) b.setAttribute("aria-current", "page");
    b.addEventListener("click", function () {
      page = target;
      render();
      root.scrollIntoView({ behavior: "smooth", block: "start" });
    });
    return b;
  }

  function render() {
    var list = filtered();
    var pages = Math.max(1, Math.ceil(list.length / PAGE_SIZE));
    if (page > pages) page = pages;
    countEl.textContent = list.length
      ? "共 " + list.length + " 个项目，第 " + page + " / " + pages + " 页"
      : "没有符合条件的项目，请调整筛选条件。";
    listEl.textContent = "";
    var frag = document.createDocumentFragment();
    list.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).forEach(function (r) { frag.appendChild(card(r)); });
    listEl.appendChild(frag);
    pagerEl.textContent = "";
    if (pages > 1) {
      if (page > 1) pagerEl.appendChild(pageButton("上一页", page - 1));
      var from = Math.max(1, page - 2), to = Math.min(pages, page + 2);
      for (var p = from; p <= to; p++) pagerEl.appendChild(pageButton(String(p), p, p === page));
      if (page < pages) pagerEl.appendChild(pageButton("下一页", page + 1));
    }
    saveState();
  }

  /* Filters live in the URL query so the back button and shared links restore them. */
  function saveState() {
    var s = state();
    var q = new URLSearchParams();
    ["q", "sort"].concat(FILTERS).forEach(function (k) { if (s[k] && !(k === "sort" && s[k] === "start")) q.set(k, s[k]); });
    if (form.elements.city.value) q.set("city", form.elements.city.value);
    if (form.elements.county.value) q.set("county", form.elements.county.value);
    if (page > 1) q.set("page", page);
    var qs = q.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  }

  function loadState() {
    var q = new URLSearchParams(location.search);
    ["q", "sort", "city"].concat(FILTERS).forEach(function (k) {
      if (q.get(k) !== null) form.elements[k].value = q.get(k);
    });
    fillCounties();
    if (q.get("county")) form.elements.county.value = q.get("county");
    page = parseInt(q.get("page") || "1", 10) || 1;
  }

  var timer = null;
  function changed(evt) {
    if (evt && evt.target === form.elements.city) fillCounties();
    page = 1;
    clearTimeout(timer);
    timer = setTimeout(render, evt && evt.type === "input" ? 150 : 0);
  }

  async function getJson(url) {
    var resp = await fetch(url, { credentials: "same-origin" });
    if (!resp.ok) throw new Error(url + ": " + resp.status);
    return resp.json();
  }

  async function start() {
    try {
      var data = await Promise.all([getJson(root.dataset.src), getJson(root.dataset.regions)]);
      rows = data[0];
      data[1].forEach(function (r) { regions[r.code] = r; });
    } catch (e) {
      countEl.textContent = "项目目录加载失败，请刷新页面重试。";
      return;
    }
    rows.forEach(function (r) { r._text = (r.title + " " + r.inst + " " + r.subject + " " + r.field + " " + r.level).toLowerCase(); });
    fillSelect("stage", uniq(rows.map(function (r) { return r.stage; }), STAGE_ORDER));
    ["subject", "field", "level", "form"].forEach(function (f) {
      fillSelect(f, uniq(rows.map(function (r) { return r[f]; }), f === "form" ? ["面授", "线上", "混合"] : null));
    });
    var cities = Object.keys(regions).filter(function (c) { return regions[c].parent === "330000"; });
    var names = {};
    cities.forEach(function (c) { names[c] = regions[c].name; });
    fillSelect("city", cities, names);
    loadState();
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("reset", function () { setTimeout(function () { fillCounties(); changed(); }, 0); });
    render();
  }

  start();
})();
