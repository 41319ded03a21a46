// The top-up form: typing an amount chooses "another amount", choosing a
// preset clears what was typed, so what the form sends is what the person
// sees chosen. Without this script the typed amount counts (the page says so).
(function () {
  "use strict";
  var typed = document.getElementById("topup-amount");
  var other = document.getElementById("preset-other");
  if (!typed || !other) {
    return;
  }
  typed.addEventListener("input", function () {
    if (typed.value.trim() !== "") {
      other.checked = true;
    }
  });
  document.querySelectorAll('input[name="preset"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (radio.checked && radio !== other) {
        typed.value = "";
      }
    });
  });
})();
