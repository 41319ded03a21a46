// A page waiting for Stripe's confirmation (a top-up, a theatre order paid
// by card) fetches itself every few seconds and swaps in the parts marked
// data-live-id, until the page no longer waits (data-payment-watch gone) or
// five minutes have passed. The webhook decides; this only shows it.
(function () {
  "use strict";
  if (!document.querySelector("[data-payment-watch]") || !window.fetch || !window.DOMParser) {
    return;
  }
  var every = 3000;
  var left = 100;
  function swap(doc) {
    document.querySelectorAll("[data-live-id]").forEach(function (el) {
      var fresh = doc.querySelector('[data-live-id="' + el.getAttribute("data-live-id") + '"]');
      if (!fresh) {
        return;
      }
      el.innerHTML = fresh.innerHTML;
      Array.prototype.slice.call(fresh.attributes).forEach(function (a) {
        el.setAttribute(a.name, a.value);
      });
      if (!fresh.hasAttribute("data-payment-watch")) {
        el.removeAttribute("data-payment-watch");
      }
    });
  }
  function tick() {
    if (left-- <= 0) {
      return;
    }
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (res) {
        if (!res.ok) {
          throw new Error("status " + res.status);
        }
        return res.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        swap(doc);
        if (doc.querySelector("[data-payment-watch]")) {
          setTimeout(tick, every);
        }
      })
      .catch(function () {
        setTimeout(tick, every * 2);
      });
  }
  setTimeout(tick, every);
})();
