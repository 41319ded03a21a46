// Bike pages: sort stations by the phone's position, keep a running ride
// up to date, and make an unlock button answer a double press only once.
// Every page works without this script; it only adds to them.
(function () {
  "use strict";

  var locate = document.getElementById("locate");
  if (locate && "geolocation" in navigator) {
    var status = document.getElementById("locate-status");
    locate.hidden = false;
    locate.addEventListener("click", function () {
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        var q = new URLSearchParams();
        // Four decimals are about 10 m: enough to sort stations, no more.
        q.set("lat", pos.coords.latitude.toFixed(4));
        q.set("lon", pos.coords.longitude.toFixed(4));
        location.search = q.toString();
      }, function () {
        locate.disabled = false;
        if (status) status.textContent = status.getAttribute("data-denied");
      }, { maximumAge: 60000, timeout: 15000 });
    });
  }

  document.querySelectorAll("form.unlock-form").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (form.getAttribute("data-sent")) { e.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
    });
  });

  // The running ride: fetch this page again every few seconds and swap in
  // its ride section, until the ride is no longer running.
  function refresh() {
    var live = document.getElementById("ride-live");
    if (!live || !live.hasAttribute("data-refresh")) return;
    var every = Math.max(2, parseInt(live.getAttribute("data-refresh"), 10) || 4) * 1000;
    setTimeout(function () {
      fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (res) { if (!res.ok) throw new Error(res.status); return res.text(); })
        .then(function (html) {
          var next = new DOMParser().parseFromString(html, "text/html").getElementById("ride-live");
          if (next) live.replaceWith(document.importNode(next, true));
        })
        .catch(function () { /* try again at the next tick */ })
        .then(refresh);
    }, every);
  }
  refresh();
})();
