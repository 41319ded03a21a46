// The seat picker's running total: how many seats are chosen and what they
// cost, said politely to screen readers as it changes. Without this script
// the form still works; the order page shows the total.
(function () {
  'use strict';
  var out = document.querySelector('[data-seat-total]');
  if (!out) { return; }
  var form = out.closest('form');
  var fmt = new Intl.NumberFormat(out.dataset.lang === 'en' ? 'en-IE' : 'it-IT', { style: 'currency', currency: 'EUR' });
  function update() {
    var n = 0, cents = 0;
    form.querySelectorAll('input[name="seat"]:checked').forEach(function (box) {
      n++;
      cents += parseInt(box.dataset.price, 10) || 0;
    });
    var text = n === 0 ? out.dataset.zero : (n === 1 ? out.dataset.single : out.dataset.plural);
    out.textContent = text.replace('%d', String(n)).replace('%s', fmt.format(cents / 100));
  }
  form.addEventListener('change', update);
  update();
}());
