// The card page: Stripe's Payment Element confirms the PaymentIntent the hub
// created and recorded. Whatever the browser reports here, only Stripe's
// signed webhook credits the wallet or issues the tickets; the return page
// shows what the webhook decided.
(function () {
  "use strict";
  var form = document.getElementById("card-pay-form");
  if (!form) {
    return;
  }
  var status = document.getElementById("card-pay-status");
  var button = form.querySelector("button[type=submit]");
  function say(msg, state) {
    status.textContent = msg;
    form.setAttribute("data-card-state", state);
  }
  function unavailable() {
    say(form.dataset.msgUnavailable, "unavailable");
    button.hidden = true;
  }
  if (typeof window.Stripe !== "function") {
    unavailable();
    return;
  }
  var stripe = window.Stripe(form.dataset.publishableKey, { locale: document.documentElement.lang || "it" });
  var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  var payment = elements.create("payment");
  payment.on("ready", function () {
    status.textContent = "";
    form.setAttribute("data-card-state", "ready");
    button.disabled = false;
  });
  payment.on("loaderror", unavailable);
  payment.mount("#payment-element");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    button.disabled = true;
    say(form.dataset.msgWorking, "working");
    stripe.confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } }).then(function (res) {
      // Only reached when the payment could not be confirmed; on success
      // Stripe sends the browser to return_url.
      if (res.error) {
        say(res.error.message || form.dataset.msgFailed, "failed");
        button.disabled = false;
      }
    });
  });
})();
