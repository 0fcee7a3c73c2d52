/* Site search: loaded by api.js when the search button is first used, never on a first view.
   Reads data/search/ (see sitebuild/search.py): index.json when the search opens, then for each
   query only the shards of the words it starts and the title blocks of the results shown. A
   Chinese query is cut into the longest terms the index knows, so 心理健康 finds every project
   whose title or theme contains it. Plain ES2017. */
(function () {
  "use strict";
  var api = window.ZJT;
  var el = api.el;
  var MAX_TERM = 12;
  var SHOWN = 20;
  var WORDS = /[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9]+/g;
  var base = api.siteUrl("data/search/");
  var meta = null;     // promise of index.json, with pages' term sets
  var shards = {};     // shard number -> promise of {term: postings}
  var blocks = {};     // block number -> promise of [[id, title, institution] | null]
  var dialog, input, countEl, listEl, moreEl, timer = null, queries = 0;

  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(url + ": " + r.status);
      return r.json();
    });
  }

  function cached(store, key, url) {
    if (!store[key]) {
      store[key] = getJson(url).catch(function (e) { delete store[key]; throw e; });
    }
    return store[key];
  }

  function loadMeta() {
    if (!meta) {
      meta = getJson(base + "index.json").then(function (m) {
        m.vocab = {};
        m.pages = m.pages.map(function (p) {
          var terms = {};
          p[2].split(" ").forEach(function (t) { if (t) { terms[t] = true; m.vocab[t] = true; } });
          return { title: p[0], url: p[1], terms: terms };
        });
        return m;
      }, function (e) { meta = null; throw e; });
    }
    return meta;
  }

  function shard(m, term) { var k = term.codePointAt(0) % m.shards; return cached(shards, k, base + "t/" + k + ".json"); }
  function block(k) { return cached(blocks, k, base + "d/" + k + ".json"); }

  function decode(text) {
    var out = [], n = -1;
    text.split(" ").forEach(function (d) { if (d) { n += parseInt(d, 36); out.push(n); } });
    return out;
  }

  function union(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
      else if (i >= a.length || b[j] < a[i]) out.push(b[j++]);
      else { out.push(a[i]); i++; j++; }
    }
    return out;
  }

  function intersect(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { out.push(a[i]); i++; j++; } else if (a[i] < b[j]) i++; else j++;
    }
    return out;
  }

  /* The index's terms in the query: ASCII words as they are; Chinese runs by longest match. */
  async function terms(m, q) {
    var out = [];
    var words = q.toLowerCase().match(WORDS) || [];
    for (var w = 0; w < words.length; w++) {
      var word = words[w];
      if (/^[a-z0-9]+$/.test(word)) { out.push(word.slice(0, MAX_TERM)); continue; }
      var i = 0;
      while (i < word.length) {
        var known = await shard(m, word.charAt(i));
        var found = null;
        for (var len = Math.min(MAX_TERM, word.length - i); len >= 2 && !found; len--) {
          var t = word.substr(i, len);
          if (known[t] !== undefined || m.vocab[t]) found = t;
        }
        if (found) { out.push(found); i += found.length; } else i += 1;
      }
    }
    return out;
  }

  async function search(q) {
    var m = await loadMeta();
    var ts = await terms(m, q);
    if (!ts.length) return { terms: ts, pages: [], projects: [] };
    var projects = null;
    var inTitle = {};  // project number -> how many of the terms its title holds
    for (var i = 0; i < ts.length; i++) {
      var known = await shard(m, ts[i]);
      var lists = (known[ts[i]] || "|").split("|");
      var titled = decode(lists[0]);
      titled.forEach(function (n) { inTitle[n] = (inTitle[n] || 0) + 1; });
      var found = union(titled, decode(lists[1]));
      projects = projects === null ? found : intersect(projects, found);
    }
    // Every term in the title first, then fewer; publication order within each.
    projects = (projects || []).map(function (n, i) { return [-(inTitle[n] || 0), i, n]; })
      .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; })
      .map(function (x) { return x[2]; });
    var pages = m.pages.filter(function (p) { return ts.every(function (t) { return p.terms[t]; }); });
    return { terms: ts, pages: pages, projects: projects };
  }

  async function projectRows(m, numbers) {
    var need = {};
    numbers.forEach(function (n) { need[Math.floor(n / m.block)] = true; });
    var loaded = {};
    await Promise.all(Object.keys(need).map(function (k) {
      return block(k).then(function (rows) { loaded[k] = rows; });
    }));
    return numbers.map(function (n) { return (loaded[Math.floor(n / m.block)] || [])[n % m.block]; })
      .filter(Boolean);
  }

  function hit(title, detail, href) {
    var li = el("li", { "class": "zjt-search__hit" });
    li.appendChild(el("a", { href: href }, title));
    if (detail) li.appendChild(el("span", { "class": "zjt-search__detail" }, detail));
    return li;
  }

  async function showMore(m, result, from) {
    var rows = await projectRows(m, result.projects.slice(from, from + SHOWN));
    rows.forEach(function (r) { listEl.appendChild(hit(r[1], r[2], api.siteUrl("projects/" + r[0] + "/"))); });
    var next = from + SHOWN;
    moreEl.hidden = next >= result.projects.length;
    moreEl.onclick = function () { showMore(m, result, next); };
  }

  async function run() {
    var mine = ++queries;
    var q = input.value.trim();
    listEl.textContent = "";
    moreEl.hidden = true;
    if (!q) { countEl.textContent = "输入项目名称、学科、培训领域或机构，例如：心理健康"; return; }
    countEl.textContent = "正在搜索……";
    try {
      var m = await loadMeta();
      var result = await search(q);
      if (mine !== queries) return;
      if (!result.terms.length || !(result.pages.length + result.projects.length)) {
        countEl.textContent = "没有找到相关内容，请换个词试试。";
        return;
      }
      countEl.textContent = "找到 " + result.projects.length + " 个培训项目" +
        (result.pages.length ? "、" + result.pages.length + " 个页面" : "");
      result.pages.forEach(function (p) { listEl.appendChild(hit(p.title, "页面", api.siteUrl(p.url))); });
      await showMore(m, result, 0);
    } catch (e) {
      if (mine === queries) countEl.textContent = "搜索暂时不可用，请检查网络后重试。";
    }
  }

  function build() {
    dialog = el("div", { "class": "zjt-search", role: "dialog", "aria-modal": "true", "aria-label": "搜索" });
    var bar = el("div", { "class": "zjt-search__bar" });
    input = el("input", { type: "search", "class": "zjt-search__input", placeholder: "搜索培训项目和页面",
      "aria-label": "搜索", autocomplete: "off", enterkeyhint: "search" });
    var close = el("button", { type: "button", "class": "md-button zjt-search__close" }, "关闭");
    bar.appendChild(input);
    bar.appendChild(close);
    countEl = el("p", { "class": "zjt-search__count", "aria-live": "polite" });
    listEl = el("ol", { "class": "zjt-search__hits" });
    moreEl = el("button", { type: "button", "class": "md-button zjt-search__more", hidden: "" }, "更多结果");
    var body = el("div", { "class": "zjt-search__body" });
    body.appendChild(countEl);
    body.appendChild(listEl);
    body.appendChild(moreEl);
    dialog.appendChild(bar);
    dialog.appendChild(body);
    document.body.appendChild(dialog);
    close.addEventListener("click", hide);
    dialog.addEventListener("keydown", function (e) { if (e.key === "Escape") hide(); });
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 200); });
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { clearTimeout(timer); run(); } });
  }

  function open() {
    if (!dialog) build();
    dialog.hidden = false;
    document.documentElement.classList.add("zjt-search-open");
    input.focus();
    loadMeta().catch(function () { countEl.textContent = "搜索暂时不可用，请检查网络后重试。"; });
    run();
  }

  function hide() {
    dialog.hidden = true;
    document.documentElement.classList.remove("zjt-search-open");
  }

  api.search = { open: open, search: search };
})();
