// The stations map. The page works without it: the list below is the
// page. With Leaflet loaded, a marker per listed station (its data-lat and
// data-lon) opens a popup with the bikes available, the docks free and a
// link to the station. Favourites' markers are tinted gold.
(function () {
  "use strict";
  var el = document.querySelector('[data-map="bikes"]');
  if (!el || typeof L === "undefined") return;
  var c = (el.getAttribute("data-center") || "0,0").split(",");
  el.hidden = false;
  var map = L.map(el, { zoomControl: false }).setView([parseFloat(c[0]), parseFloat(c[1])], 14);
  // Leaflet's zoom buttons, named in the page's language, not Leaflet's
  // English.
  L.control.zoom({
    zoomInTitle: el.getAttribute("data-zoom-in") || "+",
    zoomOutTitle: el.getAttribute("data-zoom-out") || "-"
  }).addTo(map);
  L.tileLayer(el.getAttribute("data-tiles"), {
    maxZoom: 19,
    attribution: el.getAttribute("data-attribution") || ""
  }).addTo(map);
  var bounds = [];
  document.querySelectorAll("[data-station][data-lat]").forEach(function (li) {
    var ll = [parseFloat(li.getAttribute("data-lat")), parseFloat(li.getAttribute("data-lon"))];
    if (isNaN(ll[0]) || isNaN(ll[1])) return;
    var title = li.getAttribute("data-title") || "";
    var m = L.marker(ll, { title: title, alt: title }).addTo(map);
    if (li.hasAttribute("data-favourite") && m.getElement()) m.getElement().classList.add("marker-fav");
    var box = document.createElement("div");
    var a = li.querySelector("a");
    var link = document.createElement("a");
    link.href = a ? a.getAttribute("href") : "#";
    link.textContent = title;
    var p = document.createElement("p");
    p.textContent = li.getAttribute("data-popup") || "";
    box.appendChild(link);
    box.appendChild(p);
    m.bindPopup(box);
    bounds.push(ll);
  });
  if (bounds.length > 1) map.fitBounds(bounds, { maxZoom: 16, padding: [20, 20] });
  else if (bounds.length === 1) map.setView(bounds[0], 16);
})();
