// Kaval publishing calendar: drag a publication to another day to move it
// there at the same time of day. It posts the same form as the date form
// on the publication's page (which is how a keyboard moves it), then
// reloads; a refusal (too late, in the past) is read out in the status
// line. No inline script: the CSP is default-src 'self'.
(function () {
  "use strict";
  var status = document.getElementById("cal-status");
  var dragged = null;
  document.addEventListener("dragstart", function (e) {
    var li = e.target.closest && e.target.closest("[data-pub]");
    if (!li) return;
    dragged = li;
    li.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", li.getAttribute("data-pub"));
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    document.querySelectorAll("td.drop").forEach(function (td) { td.classList.remove("drop"); });
    dragged = null;
  });
  document.addEventListener("dragover", function (e) {
    var td = e.target.closest && e.target.closest("td[data-date]");
    if (!td || !dragged) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    document.querySelectorAll("td.drop").forEach(function (x) { if (x !== td) x.classList.remove("drop"); });
    td.classList.add("drop");
  });
  document.addEventListener("drop", function (e) {
    var td = e.target.closest && e.target.closest("td[data-date]");
    if (!td || !dragged) return;
    e.preventDefault();
    var id = dragged.getAttribute("data-pub");
    var body = new URLSearchParams();
    body.set("date", td.getAttribute("data-date"));
    body.set("time", dragged.getAttribute("data-time") || "09:00");
    if (status) status.textContent = status.getAttribute("data-moving") || "";
    fetch("/desk/publish/" + encodeURIComponent(id) + "/schedule", {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Requested-With": "kaval-calendar" }
    }).then(function (r) {
      if (r.ok) { window.location.reload(); return null; }
      return r.text().then(function (t) { if (status) status.textContent = t; });
    }).catch(function () { if (status) status.textContent = ""; });
  });
})();
