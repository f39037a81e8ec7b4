// Kaval compose page: pick an advisory's stations on the map. Clicking a
// station's area ticks or unticks its checkbox in the list beside the
// map, which stays the form's real control (keyboard, screen readers,
// no script); the map follows the list either way. The map is shown
// only when this script runs. No inline script: the CSP is
// default-src 'self'.
(function () {
  "use strict";
  var box = document.querySelector("[data-pickmap]");
  if (!box) return;
  var form = box.closest("form");
  if (!form) return;
  var said = box.querySelector("[data-picked]");
  function input(id) {
    var all = form.querySelectorAll('input[name="station"]');
    for (var i = 0; i < all.length; i++) if (all[i].value === id) return all[i];
    return null;
  }
  function paint() {
    var n = 0;
    box.querySelectorAll("path[data-unit]").forEach(function (p) {
      var i = input(p.getAttribute("data-unit"));
      var on = !!(i && i.checked);
      p.classList.toggle("sel", on);
    });
    form.querySelectorAll('input[name="station"]').forEach(function (i) { if (i.checked) n++; });
    if (said) said.textContent = n ? said.getAttribute("data-some").replace("{0}", String(n)) : said.getAttribute("data-none");
  }
  box.addEventListener("click", function (e) {
    var p = e.target.closest && e.target.closest("path[data-unit]");
    if (!p) return;
    var i = input(p.getAttribute("data-unit"));
    if (!i) return;
    i.checked = !i.checked;
    i.dispatchEvent(new Event("change", { bubbles: true }));
  });
  form.addEventListener("change", function (e) {
    if (e.target && e.target.name === "station") paint();
  });
  box.hidden = false;
  paint();
})();
