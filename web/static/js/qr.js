// Rotating QR codes on wallet cards: every card's image is replaced with a
// freshly signed one before the old one expires, and the typed code under it
// follows. A screenshot forwarded to someone else stops working within a
// minute. No framework, no inline script (the pages' CSP forbids it).
(function () {
  "use strict";
  var figures = document.querySelectorAll("figure[data-qr-refresh]");
  if (!figures.length || !window.fetch) { return; }

  function refresh(fig) {
    var img = fig.querySelector(".qr-image");
    var code = fig.querySelector(".qr-code");
    var stale = fig.querySelector(".qr-stale");
    return fetch(fig.getAttribute("data-qr-refresh"), { credentials: "same-origin", cache: "no-store" })
      .then(function (res) {
        if (!res.ok) { throw new Error("status " + res.status); }
        var typed = res.headers.get("X-Typed-Code");
        return res.blob().then(function (blob) { return { blob: blob, typed: typed }; });
      })
      .then(function (got) {
        var old = img.getAttribute("src");
        img.src = URL.createObjectURL(got.blob);
        if (old && old.indexOf("blob:") === 0) { URL.revokeObjectURL(old); }
        if (got.typed) { code.textContent = got.typed; }
        fig.classList.remove("is-stale");
        stale.hidden = true;
        fig.setAttribute("data-qr-refreshed", String(Date.now()));
      })
      .catch(function () {
        fig.classList.add("is-stale");
        stale.hidden = false;
      });
  }

  Array.prototype.forEach.call(figures, function (fig) {
    var every = parseInt(fig.getAttribute("data-qr-every"), 10) || 30;
    window.setInterval(function () {
      if (document.visibilityState === "hidden") { return; }
      refresh(fig);
    }, every * 1000);
  });
  // A phone woken from sleep shows a fresh code at once.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { Array.prototype.forEach.call(figures, refresh); }
  });
  window.cityhubRefreshQR = function () { return Promise.all(Array.prototype.map.call(figures, refresh)); };
})();
