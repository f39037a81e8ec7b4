// The station finder's optional "use my location" button: shown only
// where the browser can share a location; the position goes to the
// server in the form's query string and nowhere else. Without this file
// the finder works by name.
(function () {
  "use strict";
  function init() {
    var form = document.getElementById("locate");
    if (!form || !navigator.geolocation) return;
    form.hidden = false;
    var button = form.querySelector("button");
    var status = form.querySelector("[role=status]");
    form.addEventListener("submit", function (ev) {
      if (form.elements.lat.value) return;
      ev.preventDefault();
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(5);
        form.elements.lon.value = pos.coords.longitude.toFixed(5);
        form.submit();
      }, function () {
        button.disabled = false;
        status.textContent = button.getAttribute("data-denied");
      }, { timeout: 15000, maximumAge: 60000 });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
