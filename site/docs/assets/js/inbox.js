/* 消息 (站内信): GET /api/inbox (newest first, paged by `next`), POST /api/inbox/read (one on
   opening it, or all), and the email choice (GET/PUT /api/notify/settings). */
(function () {
  "use strict";
  var root = document.getElementById("zjt-inbox");
  if (!root) return;
  var api = window.ZJT;
  var el = api.el;
  var msgEl = root.querySelector(".zjt-msg");
  var listEl = root.querySelector(".zjt-messages");
  var moreBtn = root.querySelector(".zjt-more");
  var tools = root.querySelector(".zjt-inbox-tools");
  var next = null;

  function table(t) {
    var wrap = el("div", { "class": "zjt-scroll" });
    var tb = el("table");
    var tr = el("tr");
    t.header.forEach(function (h) { tr.appendChild(el("th", null, h)); });
    tb.appendChild(tr);
    t.rows.forEach(function (row, i) {
      var r = el("tr");
      row.forEach(function (cell, j) {
        var td = el("td");
        var link = t.links && t.links[i];
        if (j === 0 && link) td.appendChild(el("a", { href: api.siteUrl(link) }, cell));
        else td.textContent = cell;
        r.appendChild(td);
      });
      tb.appendChild(r);
    });
    wrap.appendChild(tb);
    return wrap;
  }

  function item(m) {
    var li = el("li", { "class": "zjt-message" + (m.read ? "" : " zjt-message--unread"), "data-id": m.id });
    var head = el("button", { type: "button", "class": "zjt-message__head", "aria-expanded": "false" });
    if (!m.read) head.appendChild(el("span", { "class": "zjt-dot", "aria-label": "未读" }, "●"));
    head.appendChild(el("span", { "class": "zjt-message__title" }, m.title));
    head.appendChild(el("span", { "class": "zjt-message__when" }, api.fmtWhen(m.created_at)));
    li.appendChild(head);
    var body = el("div", { "class": "zjt-message__body" });
    body.hidden = true;
    body.appendChild(el("p", { "class": "zjt-message__text" }, m.body));
    if (m.table) body.appendChild(table(m.table));
    if (m.link) {
      body.appendChild(el("a", { href: api.siteUrl(m.link), "class": "md-button md-button--primary zjt-message__link" }, m.link_text || "查看详情"));
    }
    li.appendChild(body);
    head.addEventListener("click", async function () {
      var open = body.hidden;
      body.hidden = !open;
      head.setAttribute("aria-expanded", open ? "true" : "false");
      if (open && li.classList.contains("zjt-message--unread")) {
        li.classList.remove("zjt-message--unread");
        var dot = head.querySelector(".zjt-dot");
        if (dot) dot.remove();
        try {
          var res = await api.request("POST", "/inbox/read", { body: { ids: [m.id] } });
          api.showUnread(res.data.unread);
          summary(res.data.unread);
        } catch (e) {
          if (e.status === 401) api.goLogin();
        }
      }
    });
    return li;
  }

  function summary(unread) {
    tools.hidden = !unread;
    if (!listEl.children.length) msgEl.textContent = "还没有消息。";
    else msgEl.textContent = unread ? "有 " + unread + " 条未读消息。" : "没有未读消息。";
  }

  async function load(more) {
    if (api.needLogin(msgEl, "后查看消息。")) return;
    try {
      var q = "/inbox" + (more && next ? "?before=" + encodeURIComponent(next) : "");
      var res = await api.request("GET", q);
      var d = res.data;
      if (!more) listEl.textContent = "";
      d.messages.forEach(function (m) { listEl.appendChild(item(m)); });
      next = d.next;
      moreBtn.hidden = !next;
      api.showUnread(d.unread);
      summary(d.unread);
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msgEl.textContent = e.message;
    }
  }

  moreBtn.addEventListener("click", function () { load(true); });
  tools.querySelector(".zjt-readall").addEventListener("click", async function () {
    try {
      var res = await api.request("POST", "/inbox/read", { body: { all: true } });
      api.showUnread(res.data.unread);
      load(false);
    } catch (e) {
      if (e.status === 401) { api.goLogin(); return; }
      msgEl.textContent = e.message;
    }
  });

  /* The email choice. */
  var form = document.getElementById("zjt-notify-settings");
  async function loadSettings() {
    if (!form || !api.token()) return;
    try {
      var s = (await api.request("GET", "/notify/settings")).data;
      form.email.value = s.email || "";
      form.email_all.checked = !!s.email_all;
      form.hidden = false;
    } catch (e) { /* the inbox above already shows a login or error message */ }
  }
  if (form) {
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      var out = form.querySelector(".zjt-msg");
      try {
        await api.request("PUT", "/notify/settings", {
          body: { email: form.email.value.trim(), email_all: form.email_all.checked }
        });
        out.textContent = form.email.value.trim() ? "已保存。" : "已保存：不发邮件。";
        out.className = "zjt-msg zjt-msg--ok";
      } catch (e) {
        if (e.status === 401) { api.goLogin(); return; }
        out.textContent = e.status === 422 ? "邮箱格式不正确，请检查后再保存" : e.message;
        out.className = "zjt-msg zjt-msg--error";
      }
    });
  }

  load(false);
  loadSettings();
})();
