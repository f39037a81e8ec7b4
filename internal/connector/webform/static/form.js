// Fills the latitude and longitude fields from the browser's geolocation.
// Served from our own origin so the page keeps CSP default-src 'self'.
(function () {
  "use strict";
  var button = document.getElementById("locate");
  if (!button) {
    return;
  }
  if (!("geolocation" in navigator)) {
    return; // the button stays hidden; the place name field still works
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("lon").value = pos.coords.longitude.toFixed(6);
        button.textContent = button.getAttribute("data-done");
        button.disabled = false;
      },
      function () {
        button.textContent = button.getAttribute("data-failed");
        button.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
