// Kaval desk pages: inbox keyboard, live rows, SLA timers, the composer's
// counter and typing beats, the shortcut help. Our own small file, served
// like the vendored ones; no inline script anywhere (CSP default-src 'self').
(function () {
  "use strict";
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function fmt(s, n) { return (s || "").replace("{0}", String(n)); }
  var root = document.querySelector("[data-inbox]");
  var casePage = document.querySelector("[data-case]");

  // The inbox's filters: open on a wide screen, folded behind their
  // one-line summary on a phone (the cases come first there).
  var filters = document.querySelector("[data-filters]");
  if (filters && window.matchMedia) {
    var wide = window.matchMedia("(min-width: 701px)");
    filters.open = wide.matches;
    wide.addEventListener("change", function (e) { filters.open = e.matches; });
  }

  // SLA timers: amber at a quarter of the window left, red once breached.
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = parseInt(el.getAttribute("data-due"), 10);
      if (!due) return;
      var left = Math.round((due - now) / 60000);
      var box = root || document.body;
      var cell = el.closest(".sla") || el;
      // Minutes up to two hours, then whole hours ("1439 min left" reads badly).
      var n = Math.abs(left), h = n >= 120 ? "-h" : "";
      if (h) n = Math.round(n / 60);
      if (left >= 0) {
        if (root) el.textContent = fmt(box.getAttribute("data-fmt-left" + h), n);
      } else {
        if (root) el.textContent = fmt(box.getAttribute("data-fmt-over" + h), n);
        cell.classList.remove("warning");
        cell.classList.add("breached");
      }
    });
  }
  tick();
  setInterval(tick, 30000);

  // The shortcut help overlay.
  var help = document.querySelector("[data-help]");
  function toggleHelp(show) {
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) { var b = help.querySelector("button"); if (b) b.focus(); }
  }
  document.querySelectorAll("[data-help-open]").forEach(function (b) { b.addEventListener("click", function () { toggleHelp(true); }); });
  document.querySelectorAll("[data-help-close]").forEach(function (b) { b.addEventListener("click", function () { toggleHelp(false); }); });

  // Confirm a destructive button (close as spam) before its form goes.
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-confirm-click]");
    if (b && !window.confirm(b.getAttribute("data-confirm-click"))) e.preventDefault();
  }, true);

  // The undo bar of a bulk close lasts ten seconds.
  var undo = document.querySelector("[data-undo]");
  if (undo) setTimeout(function () { undo.remove(); }, 10000);

  // Inbox: j/k move, o/Enter open, x select; a/r/e/c open the case at that action.
  var current = null;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.case-row")); }
  function select(row) {
    if (!row) return;
    if (current) current.classList.remove("current");
    current = row;
    row.classList.add("current");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }
  var jump = { a: "#assign", r: "#reply", e: "#escalate", c: "#status" };
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if (e.key === "?") { e.preventDefault(); toggleHelp(); return; }
    if (e.key === "Escape") { toggleHelp(false); return; }
    if (!root || casePage) return;
    var list = rows();
    if (!list.length) return;
    var i = list.indexOf(current);
    switch (e.key) {
      case "j": select(list[Math.min(i + 1, list.length - 1)]); break;
      case "k": select(list[Math.max(i - 1, 0)]); break;
      case "o": case "Enter":
        if (!current) return;
        location.href = current.getAttribute("data-href"); break;
      case "x":
        if (!current) return;
        var box = current.querySelector("input[type=checkbox]");
        if (box) box.checked = !box.checked;
        break;
      default:
        if (!jump[e.key] || !current) return;
        location.href = current.getAttribute("data-href") + jump[e.key];
    }
    e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest("tr.case-row");
    if (row && !e.target.closest("a, input, button, label")) select(row);
  });

  // Live inbox: a changed row is replaced where it is; new rows wait in a
  // "N new — show" bar (unless the list is at the top and untouched), so
  // nothing moves under the cursor.
  var live = root && root.getAttribute("data-live");
  if (live && window.EventSource) {
    var bar = document.querySelector("[data-newbar]");
    var showBtn = document.querySelector("[data-show-new]");
    var fresh = {};
    function reload() {
      fetch(location.href, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var list = document.getElementById("inbox-list");
          var t = document.createElement("template");
          t.innerHTML = html;
          list.replaceChildren(t.content);
          fresh = {};
          if (bar) bar.hidden = true;
          current = null;
          tick();
        }).catch(function () {});
    }
    if (showBtn) showBtn.addEventListener("click", reload);
    var es = new EventSource(live);
    es.addEventListener("case", function (ev) {
      var t = document.createElement("template");
      t.innerHTML = ev.data.trim();
      var row = t.content.firstElementChild;
      if (!row || !row.id) return;
      var old = document.getElementById(row.id);
      if (old) {
        var box = old.querySelector("input[type=checkbox]");
        var nb = row.querySelector("input[type=checkbox]");
        if (box && nb) nb.checked = box.checked;
        if (old === current) { row.classList.add("current"); current = row; }
        old.replaceWith(row);
        tick();
        return;
      }
      fresh[row.id] = true;
      var n = Object.keys(fresh).length;
      var atTop = window.scrollY < 40 && !current && !document.querySelector("tr.case-row input:checked");
      if (atTop && !typing(document.activeElement)) { reload(); return; }
      if (bar && showBtn) { showBtn.textContent = fmt(root.getAttribute("data-fmt-new"), n); bar.hidden = false; }
    });
  }

  // Case page: go to the action named in the address (from the inbox keys).
  if (casePage && location.hash) {
    var target = document.querySelector(location.hash);
    if (target) {
      var f = target.querySelector("select, textarea, input:not([type=hidden]), button") || target;
      f.focus();
    }
  }

  // Composer: a character count as the platform roughly counts it (the
  // server's check is the authority), and "is typing" beats for colleagues:
  // one at the first keystroke and every 5 s of typing, and "stopped" 6 s
  // after the last, so their warning clears at once.
  var lastBeat = 0, idleTimer = null;
  function beat(url, field) {
    var body = new URLSearchParams();
    body.set(field, "1");
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "HX-Request": "true" } }).catch(function () {});
  }
  document.addEventListener("input", function (e) {
    var ta = e.target;
    if (!ta.matches || !ta.matches("textarea[data-typing]")) return;
    var counter = ta.parentNode.querySelector("[data-counter]");
    if (counter) counter.textContent = String(Array.from(ta.value).length);
    var now = Date.now(), url = ta.getAttribute("data-typing");
    if (now - lastBeat > 5000) {
      lastBeat = now;
      beat(url, "typing");
    }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { lastBeat = 0; beat(url, "idle"); }, 6000);
  });
  // The presence warning, pushed as colleagues open, leave, type or stop
  // (the 10 s beat of the page itself is htmx's, on #presence).
  var pres = document.getElementById("presence");
  if (pres && window.EventSource && pres.getAttribute("data-live")) {
    new EventSource(pres.getAttribute("data-live")).addEventListener("presence", function (ev) {
      var el = document.getElementById("presence");
      if (el) el.innerHTML = ev.data;
    });
  }

  // A case's "earlier posts / events" links load the run before them in
  // their own place (htmx); focus then goes to the top of what arrived,
  // so a keyboard reader carries on there rather than at the page's top.
  // Other swaps (the bell, the presence warning) settle too, often first:
  // only the swap that replaced the clicked link is ours.
  var loading = null, link = null;
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-earlier]");
    if (a) { link = a; loading = a.closest("ol"); }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!link || link.isConnected) return;
    var list = loading, top = list && list.firstElementChild;
    loading = null; link = null;
    if (!top) return;
    var f = top.querySelector("a[data-earlier]") || top;
    if (f === top) top.setAttribute("tabindex", "-1");
    f.focus();
  });
  // Tell colleagues the case was closed in this tab.
  if (casePage) {
    window.addEventListener("pagehide", function () {
      var body = new URLSearchParams();
      body.set("gone", "1");
      navigator.sendBeacon && navigator.sendBeacon("/desk/cases/" + casePage.getAttribute("data-case") + "/presence", body);
    });
  }
})();
