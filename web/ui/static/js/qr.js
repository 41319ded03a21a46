// Rotating QR codes on wallet cards: every card's image is replaced with a
// freshly signed one before the old one expires, and the typed code under it
// follows. A screenshot forwarded to someone else stops working within a
// minute or two. No framework, no inline script (the pages' CSP forbids it).
(function () {
  "use strict";
  var figures = document.querySelectorAll("figure[data-qr-refresh]");
  if (!figures.length || !window.fetch) { return; }

  // nextDelay is the card's usual period, or sooner when its token expires
  // earlier (with ten seconds to spare), but never more often than every 5 s.
  function nextDelay(fig) {
    var every = (parseInt(fig.getAttribute("data-qr-every"), 10) || 30) * 1000;
    var exp = Date.parse(fig.getAttribute("data-qr-expires") || "");
    if (!isNaN(exp)) { every = Math.min(every, exp - Date.now() - 10000); }
    return Math.max(every, 5000);
  }

  function refresh(fig) {
    var img = fig.querySelector(".qr-image");
    var code = fig.querySelector(".qr-code");
    var stale = fig.querySelector(".qr-stale");
    return fetch(fig.getAttribute("data-qr-refresh"), { credentials: "same-origin", cache: "no-store" })
      .then(function (res) {
        // An ended session answers with the login page, not an image.
        var type = res.headers.get("Content-Type") || "";
        if (!res.ok || type.indexOf("image/") !== 0) { throw new Error("status " + res.status + " " + type); }
        var typed = res.headers.get("X-Typed-Code");
        var expires = res.headers.get("X-Expires-At");
        return res.blob().then(function (blob) { return { blob: blob, typed: typed, expires: expires }; });
      })
      .then(function (got) {
        var old = img.getAttribute("src");
        img.src = URL.createObjectURL(got.blob);
        if (old && old.indexOf("blob:") === 0) { URL.revokeObjectURL(old); }
        if (got.typed) { code.textContent = got.typed; }
        if (got.expires) { fig.setAttribute("data-qr-expires", got.expires); }
        fig.classList.remove("is-stale");
        stale.hidden = true;
      })
      .catch(function () {
        fig.classList.add("is-stale");
        stale.hidden = false;
      });
  }

  function schedule(fig) {
    window.clearTimeout(fig.qrTimer);
    fig.qrTimer = window.setTimeout(function () {
      if (document.visibilityState === "hidden") { schedule(fig); return; }
      refresh(fig).then(function () { schedule(fig); });
    }, nextDelay(fig));
  }

  Array.prototype.forEach.call(figures, schedule);
  // A phone woken from sleep shows a fresh code at once.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") { return; }
    Array.prototype.forEach.call(figures, function (fig) { refresh(fig).then(function () { schedule(fig); }); });
  });
  window.cityhubRefreshQR = function () { return Promise.all(Array.prototype.map.call(figures, refresh)); };
})();
