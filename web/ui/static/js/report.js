// Maps of the report pages. The pages work without it: the list is the
// page, and the report form takes coordinates or an address typed. With
// Leaflet loaded, a map shows the reports (data-map="list"), one report
// ("one"), or lets the citizen pin the place ("pick"), and the "here"
// button fills the coordinates from the phone's position.
(function () {
  "use strict";
  function center(el) {
    var c = (el.getAttribute("data-center") || "41.13,14.78").split(",");
    return [parseFloat(c[0]), parseFloat(c[1])];
  }
  function makeMap(el) {
    if (typeof L === "undefined") return null;
    el.hidden = false;
    var map = zoomed(L.map(el, { zoomControl: false }), el).setView(center(el), 13);
    L.tileLayer(el.getAttribute("data-tiles"), {
      maxZoom: 19,
      attribution: el.getAttribute("data-attribution") || ""
    }).addTo(map);
    return map;
  }
  // zoomed gives map Leaflet's zoom buttons named in the page's language
  // (the page's data-zoom-in and data-zoom-out), not in Leaflet's English.
  function zoomed(map, el) {
    L.control.zoom({
      zoomInTitle: el.getAttribute("data-zoom-in") || "+",
      zoomOutTitle: el.getAttribute("data-zoom-out") || "-"
    }).addTo(map);
    return map;
  }
  function fmt(x) { return x.toFixed(6); }

  var list = document.querySelector('[data-map="list"]');
  if (list) {
    var map = makeMap(list);
    if (map) {
      var bounds = [];
      document.querySelectorAll("[data-report][data-lat]").forEach(function (li) {
        var ll = [parseFloat(li.getAttribute("data-lat")), parseFloat(li.getAttribute("data-lon"))];
        var a = li.querySelector("a");
        var m = L.marker(ll, { title: li.getAttribute("data-title") || "", alt: li.getAttribute("data-title") || "" }).addTo(map);
        if (a) {
          var link = document.createElement("a");
          link.href = a.getAttribute("href");
          link.textContent = a.textContent;
          m.bindPopup(link);
        }
        bounds.push(ll);
      });
      if (bounds.length > 1) map.fitBounds(bounds, { maxZoom: 16, padding: [20, 20] });
      else if (bounds.length === 1) map.setView(bounds[0], 16);
    }
  }

  var one = document.querySelector('[data-map="one"]');
  if (one) {
    var m1 = makeMap(one);
    if (m1) {
      var p = [parseFloat(one.getAttribute("data-lat")), parseFloat(one.getAttribute("data-lon"))];
      m1.setView(p, 17);
      // The pin says nothing the page's words do not (the place is written
      // out), so it is not read as Leaflet's "Marker"; nor is the form's.
      L.marker(p, { keyboard: false, alt: "" }).addTo(m1);
    }
  }

  var pick = document.querySelector('[data-map="pick"]');
  var lat = document.getElementById("f-lat");
  var lon = document.getElementById("f-lon");
  if (pick && lat && lon) {
    var pm = makeMap(pick);
    var marker = null;
    var place = function (la, lo, zoom) {
      lat.value = fmt(la);
      lon.value = fmt(lo);
      if (!pm) return;
      if (marker) marker.setLatLng([la, lo]);
      else marker = L.marker([la, lo], { keyboard: false, alt: "" }).addTo(pm);
      if (zoom) pm.setView([la, lo], 17);
    };
    if (pm) {
      if (lat.value && lon.value && !isNaN(parseFloat(lat.value)) && !isNaN(parseFloat(lon.value))) {
        place(parseFloat(lat.value), parseFloat(lon.value), true);
      }
      pm.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, false); });
    }
    var here = document.getElementById("here");
    var status = document.getElementById("here-status");
    if (here && "geolocation" in navigator) {
      here.hidden = false;
      here.addEventListener("click", function () {
        status.textContent = here.getAttribute("data-wait") || "…";
        navigator.geolocation.getCurrentPosition(function (pos) {
          status.textContent = "";
          place(pos.coords.latitude, pos.coords.longitude, true);
        }, function () {
          status.textContent = here.getAttribute("data-fail") || "";
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
  }
})();
