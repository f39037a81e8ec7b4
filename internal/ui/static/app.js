// Kaval desk: the few behaviours plain HTML lacks. No inline handlers
// anywhere (CSP default-src 'self'); everything hangs off data attributes.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  // Keyboard shortcuts: an element with data-shortcut="k" is focused (or
  // clicked, for links and buttons) when k is pressed outside a field.
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    var el = document.querySelector('[data-shortcut="' + (e.key === '"' ? '\\"' : e.key) + '"]');
    if (!el) return;
    e.preventDefault();
    if (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT") {
      el.focus();
      if (el.select) el.select();
    } else {
      el.click();
    }
  });
  // Confirm before destructive actions: <form data-confirm="question">.
  document.addEventListener("submit", function (e) {
    var q = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (q && !window.confirm(q)) e.preventDefault();
  }, true);
  // Close the user menu when clicking elsewhere.
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });
})();
