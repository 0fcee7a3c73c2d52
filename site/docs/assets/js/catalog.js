/* 选课目录: filters, sorts and pages the catalog in the browser.
   Data (written by build.py, see sitebuild/catalog.py): data/catalog/index.json is all a first
   view reads (totals, filter values, the first page of cards); one part per stage holds that
   stage's rows and loads when the stage is chosen (the choice is remembered on this device, so a
   teacher's next visit costs her stage's part only). Any other filter without a stage loads every
   part once. */
(function () {
  "use strict";
  var root = document.getElementById("zjt-catalog");
  if (!root) return;

  var PAGE_SIZE = 20;
  var FILTERS = ["stage", "subject", "field", "level", "form"];
  var form = root.querySelector("form");
  var countEl = root.querySelector(".zjt-count");
  var listEl = root.querySelector(".zjt-results");
  var pagerEl = root.querySelector(".zjt-pager");
  var el = window.ZJT.el;

  var STAGE_KEY = "zjt.catalog.stage";
  var ALL_STAGES = "全学段";
  var OPEN_SUBJECTS = ["不限", "全学科"];
  var index = null;   // data/catalog/index.json
  var parts = {};     // stage -> promise of its decoded rows
  var regions = {};   // code -> {code, name, parent}
  var page = 1;
  var renders = 0;    // a newer render wins over one still waiting for its data
  // Seats per class from GET /api/seats (public, 100 classes a request): for the cards shown,
  // and under 适合我 for every result (up to RANK_MAX projects) so those she can take come first.
  // A project's classes are <id>-c1 … <id>-c<n> (schemas.catalog.class_id_for).
  var seatsOf = {};   // class_id -> {left, waitlist}, or null when the API does not know it
  var RANK_MAX = 300;

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

  function filtered(rows, s) {
    var words = s.q ? s.q.toLowerCase().split(/\s+/) : [];
    var out = rows.filter(function (r) {
      for (var i = 0; i < FILTERS.length; i++) {
        var f = FILTERS[i];
        if (!s[f] || r[f] === s[f]) continue;
        // A project for every stage (全学段) or every subject (不限) matches any choice.
        if (f === "stage" && r.stage === ALL_STAGES) continue;
        if (f === "subject" && OPEN_SUBJECTS.indexOf(r.subject) >= 0) continue;
        return false;
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

  function classIds(r) {
    var out = [];
    for (var i = 1; i <= r.classes; i++) out.push(r.id + "-c" + i);
    return out;
  }

  async function loadSeats(rows) {
    var ids = [];
    rows.forEach(function (r) { classIds(r).forEach(function (c) { if (!(c in seatsOf)) ids.push(c); }); });
    for (var i = 0; i < ids.length; i += 100) {
      var batch = ids.slice(i, i + 100);
      var res = await window.ZJT.request("GET", "/seats?class_ids=" + encodeURIComponent(batch.join(",")), { auth: false });
      batch.forEach(function (c) { seatsOf[c] = null; });
      res.data.seats.forEach(function (x) { seatsOf[x.class_id] = { left: Math.max(0, x.left), waitlist: x.waitlist || 0 }; });
    }
  }

  /* Seats left over a project's classes, and the waitlist when none is left (null: unknown). */
  function seatSummary(r) {
    var left = 0, waitlist = 0, known = false;
    classIds(r).forEach(function (c) {
      var x = seatsOf[c];
      if (!x) return;
      known = true;
      left += x.left;
      waitlist += x.waitlist;
    });
    return known ? { left: left, waitlist: waitlist } : null;
  }

  function subjectFits(r) {
    return !!me && (r.subject === me.subject || OPEN_SUBJECTS.indexOf(r.subject) >= 0);
  }

  /* 适合我 puts first what she can take: seats left in her subject (or any subject), then seats
     left in other subjects, then full classes; each group keeps the chosen order. */
  function ranked(list) {
    function rank(r) {
      var x = seatSummary(r);
      return (x && x.left > 0 ? 0 : 2) + (subjectFits(r) ? 0 : 1);
    }
    return list.map(function (r, i) { return [rank(r), i, r]; })
      .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; })
      .map(function (x) { return x[2]; });
  }

  function paintSeats(li, r) {
    var x = seatSummary(r);
    var p = li.querySelector(".zjt-result__seats");
    if (!x || !p) return;
    p.hidden = false;
    p.className = "zjt-result__seats zjt-result__seats--" + (x.left ? "open" : "full");
    p.textContent = x.left ? "剩余 " + x.left + " 个名额" : "已满" + (x.waitlist ? "，候补 " + x.waitlist + " 人" : "，可加入候补");
  }

  function card(r) {
    var li = el("li", { "class": "zjt-result", "data-project": r.id });
    var h = el("h3");
    h.appendChild(el("a", { href: window.ZJT.siteUrl(r.url) }, r.title));
    li.appendChild(h);
    li.appendChild(el("p", { "class": "zjt-result__inst" }, r.inst));
    var tags = el("p", { "class": "zjt-tags" });
    var seen = {};
    [r.stage, r.subject, r.field, r.level, r.form].forEach(function (t) {
      if (!t || seen[t] || t === "不限") return;
      seen[t] = true;
      tags.appendChild(el("span", { "class": "zjt-tag" }, t));
    });
    if (r.kind === "order") tags.appendChild(el("span", { "class": "zjt-tag zjt-tag--order" }, "订单式"));
    if (subjectFits(r)) {
      tags.appendChild(el("span", { "class": "zjt-tag zjt-tag--mine" }, r.subject === me.subject ? "对口学科" : "各学科可选"));
    }
    li.appendChild(tags);
    // The seat line keeps its height while the counts load (CSS min-height): a card that grew
    // when they arrived moved the cards below it under a teacher's tapping finger.
    li.appendChild(el("p", { "class": "zjt-result__seats" }));
    var facts = el("p", { "class": "zjt-result__facts" });
    facts.textContent = r.credits + " 学分 · " + fee(r.fee) + " · " + window.ZJT.dayRange(r.start, r.end) +
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

  function decode(part) {
    var cols = part.cols, dict = part.dict;
    return part.rows.map(function (a) {
      var r = { stage: part.stage };
      cols.forEach(function (c, i) { r[c] = dict[c] ? dict[c][a[i]] : a[i]; });
      return withText(r);
    });
  }

  function withText(r) {
    r.url = "projects/" + r.id + "/";
    r._text = (r.title + " " + r.inst + " " + r.subject + " " + r.field + " " + r.level).toLowerCase();
    return r;
  }

  function part(stage) {
    var p = index.parts.filter(function (x) { return x.stage === stage; })[0];
    if (!p) return Promise.resolve([]);
    if (!parts[stage]) {
      parts[stage] = getJson(window.ZJT.siteUrl(p.file)).then(decode, function (e) {
        delete parts[stage];
        throw e;
      });
    }
    return parts[stage];
  }

  function untouched(s) {
    return !s.q && !s.region && s.sort === "start" && page === 1 &&
      FILTERS.every(function (f) { return !s[f]; });
  }

  /* The rows a state needs: its stage's part, every part, or none (the first page is in index). */
  function rowsFor(s) {
    if (s.stage && s.stage !== ALL_STAGES) {
      return Promise.all([part(s.stage), part(ALL_STAGES)]).then(function (two) { return two[0].concat(two[1]); });
    }
    if (s.stage) return part(s.stage);
    if (untouched(s)) return Promise.resolve(null);
    return Promise.all(index.parts.map(function (p) { return part(p.stage); }))
      .then(function (all) { return [].concat.apply([], all); });
  }

  async function render() {
    var mine = ++renders;
    var s = state();
    var list, total;
    try {
      if (s.stage ? !parts[s.stage] : !untouched(s)) countEl.textContent = "正在加载项目目录……";
      var rows = await rowsFor(s);
      if (mine !== renders) return;
      if (rows === null) {
        list = index.first.map(withText);
        total = index.total;
      } else {
        list = filtered(rows, s);
        total = list.length;
        if (forMe.getAttribute("aria-pressed") === "true" && me && total <= RANK_MAX) {
          try { await loadSeats(list); } catch (e) { /* no seat counts: the chosen order stays */ }
          if (mine !== renders) return;
          list = ranked(list);
        }
      }
    } catch (e) {
      if (mine === renders) {
        countEl.textContent = "项目目录加载失败，请刷新页面重试。";
        listEl.setAttribute("aria-busy", "false");
      }
      return;
    }
    var pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    if (page > pages) page = pages;
    var open = list.length === total ? list.filter(function (r) { var x = seatSummary(r); return x && x.left > 0; }).length : -1;
    var known = list.length === total && list.every(function (r) { return seatSummary(r); });
    countEl.textContent = total
      ? "共 " + total + " 个项目" + (known ? "，其中 " + open + " 个尚有名额" : "") + "，第 " + page + " / " + pages + " 页"
      : "没有符合条件的项目，请调整筛选条件。";
    listEl.textContent = "";
    var frag = document.createDocumentFragment();
    var shown = rows === null ? list : list.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
    var cards = shown.map(function (r) { var li = card(r); paintSeats(li, r); frag.appendChild(li); return li; });
    listEl.appendChild(frag);
    listEl.setAttribute("aria-busy", "false");
    loadSeats(shown).then(function () {
      if (mine === renders) cards.forEach(function (li, i) { paintSeats(li, shown[i]); });
    }, function () { /* the seat counts stay off the cards; the project page has them */ });
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
    if (q.get("stage") === null) {
      var mine = null;
      try { mine = localStorage.getItem(STAGE_KEY); } catch (e) { mine = null; }
      if (mine && index.parts.some(function (p) { return p.stage === mine; })) form.elements.stage.value = mine;
    }
  }

  function rememberStage() {
    try {
      if (form.elements.stage.value) localStorage.setItem(STAGE_KEY, form.elements.stage.value);
      else localStorage.removeItem(STAGE_KEY);
    } catch (e) { /* private mode: nothing to remember */ }
  }

  // --- the filter sheet (a bottom sheet on phones), active filters as chips, 适合我 ----------
  var sheetBtn = root.querySelector(".zjt-sheet-open");
  var sheet = root.querySelector(".zjt-filters");
  var activeEl = root.querySelector(".zjt-active-filters");
  var forMe = root.querySelector(".zjt-forme");
  var me = null;  // the teacher's own record, for 适合我

  function openSheet(open) {
    root.classList.toggle("zjt-sheet--open", open);
    sheetBtn.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) form.elements.stage.focus();
  }

  function renderActive() {
    activeEl.textContent = "";
    var n = 0;
    FILTERS.concat(["county", "city"]).forEach(function (k) {
      var sel = form.elements[k];
      if (!sel.value || (k === "city" && form.elements.county.value)) return;
      n++;
      var label = sel.options[sel.selectedIndex].text;
      var b = el("button", { type: "button", "class": "zjt-chip zjt-chip--on", "aria-label": "取消筛选：" + label }, label + " ×");
      b.addEventListener("click", function () {
        sel.value = "";
        if (k === "city") fillCounties();
        setForMe(false);
        changed();
      });
      activeEl.appendChild(b);
    });
    sheetBtn.querySelector(".zjt-chip__count").textContent = n ? "（" + n + "）" : "";
  }

  function setForMe(on) {
    forMe.setAttribute("aria-pressed", on ? "true" : "false");
  }

  /* 适合我: the teacher's stage (全学段 projects too) and region (provincial projects too). */
  function applyForMe() {
    if (!me) return;
    form.elements.stage.value = me.stage;
    var county = regions[me.region_code];
    form.elements.city.value = county ? county.parent : "";
    fillCounties();
    form.elements.county.value = county ? me.region_code : "";
    setForMe(true);
  }

  async function loadMe() {
    var u = window.ZJT.user();
    if (!window.ZJT.token() || !u || u.role !== "teacher") return false;
    try { me = (await window.ZJT.request("GET", "/records/me")).data.teacher; } catch (e) { return false; }
    forMe.hidden = false;
    return true;
  }

  sheetBtn.addEventListener("click", function () { openSheet(!root.classList.contains("zjt-sheet--open")); });
  root.querySelector(".zjt-sheet-done").addEventListener("click", function () { openSheet(false); });
  forMe.addEventListener("click", function () {
    if (forMe.getAttribute("aria-pressed") === "true") {
      form.elements.stage.value = "";
      form.elements.city.value = "";
      fillCounties();
      setForMe(false);
    } else {
      applyForMe();
    }
    changed();
  });

  var timer = null;
  function changed(evt) {
    if (evt && evt.isTrusted && evt.target && evt.target.name && evt.target.name !== "q" && evt.target.name !== "sort") setForMe(false);
    renderActive();
    if (evt && evt.target === form.elements.city) fillCounties();
    if (evt && evt.target === form.elements.stage) rememberStage();
    page = 1;
    // The list is busy from a change until the render it asks for is on screen (a screen reader
    // waits; so do the browser tests before they tap a card).
    listEl.setAttribute("aria-busy", "true");
    // A render already under way is stale now: it must not draw the old list or clear the busy
    // mark (it did, and a tap landed on a card the new render then replaced).
    renders++;
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
      index = data[0];
      data[1].forEach(function (r) { regions[r.code] = r; });
    } catch (e) {
      countEl.textContent = "项目目录加载失败，请刷新页面重试。";
      return;
    }
    fillSelect("stage", index.parts.map(function (p) { return p.stage; }));
    ["subject", "field", "level", "form"].forEach(function (f) { fillSelect(f, index.facets[f]); });
    var cities = Object.keys(regions).filter(function (c) { return regions[c].parent === "330000"; });
    var names = {};
    cities.forEach(function (c) { names[c] = regions[c].name; });
    fillSelect("city", cities, names);
    loadState();
    // A teacher's first look (no filters in the link) is what she may take: 适合我.
    var fresh = !location.search;
    if (await loadMe() && fresh) applyForMe();
    renderActive();
    form.addEventListener("submit", function (e) { e.preventDefault(); openSheet(false); });
    form.addEventListener("input", changed);
    form.addEventListener("change", function (evt) {
      // The search box reported every keystroke already (input). Its change event comes when it
      // loses focus, i.e. when the teacher taps a result: a redraw of the same list then replaced
      // the card under her finger, and the tap was lost.
      if (evt.target === form.elements.q) return;
      changed(evt);
    });
    form.addEventListener("reset", function () {
      setTimeout(function () { fillCounties(); rememberStage(); changed(); }, 0);
    });
    render();
  }

  start();
})();
