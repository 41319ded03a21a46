// The site's shell. Runs at the end of every page's body, before Bootstrap
// Italia's script.

// A table wider than the screen scrolls inside the .table-responsive box
// its view wraps it in (a named region). Whether a box scrolls depends on
// the screen, so only here can it be made reachable with the keyboard
// (tabindex) when it does, and left out of the tab order when it does not;
// a box the view made focusable itself stays so.
(function () {
  "use strict";
  var boxes = Array.prototype.slice.call(document.querySelectorAll("main .table-responsive"));
  boxes.forEach(function (box) {
    if (box.getAttribute("tabindex") === "0") {
      box.dataset.keepTab = "1";
    }
  });
  function reachable() {
    boxes.forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) {
        box.tabIndex = 0;
      } else if (box.getAttribute("tabindex") === "0" && !box.dataset.keepTab) {
        box.removeAttribute("tabindex");
      }
    });
  }
  reachable();
  window.addEventListener("resize", reachable);
}());

// A form the hub refused comes back as a new page that looks like the one
// sent, its mistakes marked on the fields (aria-invalid, each described by
// its error). Someone who cannot see it would hear the same title and start
// again from the top, so the title says there are mistakes ("Errore: ...",
// the first thing a screen reader reads) and the focus goes to the first
// field to fix, which reads its label and its error.
(function () {
  "use strict";
  var main = document.getElementById("main");
  var field = main && main.querySelector('[aria-invalid="true"]');
  if (!field) {
    return;
  }
  var prefix = main.getAttribute("data-error-prefix");
  if (prefix && document.title.indexOf(prefix + ": ") !== 0) {
    document.title = prefix + ": " + document.title;
  }
  field.focus();
}());

// The header's staff group is Bootstrap Italia's navbar dropdown, whose
// toggle is a link (to the administrator's dashboard) so that it leads
// somewhere without this script. Bootstrap Italia's script opens it on a
// click, Enter and the arrow keys; Space, which opens any button, would
// scroll the page instead, so here it clicks the toggle.
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if ((e.key === " " || e.key === "Spacebar") && t && t.matches && t.matches('a.dropdown-toggle[data-bs-toggle="dropdown"]')) {
      e.preventDefault();
      t.click();
    }
  });
}());
