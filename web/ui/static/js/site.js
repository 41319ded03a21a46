// The site's shell. Runs at the end of every page's body, before Bootstrap
// Italia's bundle.

// The bundle carries the video.js player, which by default adds <style>
// elements to every page; the CSP (style-src 'self') forbids them, and no
// page plays video, so it is told not to.
window.VIDEOJS_NO_DYNAMIC_STYLE = true;

// A table wider than the screen scrolls inside a .table-responsive box
// instead of widening the page. Tables a view did not wrap itself are
// wrapped here; a box that scrolls can be reached and scrolled with the
// keyboard (tabindex), and is named after the table's caption or heading.
(function () {
  "use strict";
  function nameOf(table) {
    if (table.caption && table.caption.textContent.trim()) {
      return table.caption.textContent.trim();
    }
    for (var n = table; n && n.tagName !== "MAIN"; n = n.parentElement) {
      for (var s = n.previousElementSibling; s; s = s.previousElementSibling) {
        if (/^H[1-4]$/.test(s.tagName)) {
          return s.textContent.trim();
        }
      }
    }
    return "";
  }
  var boxes = [];
  document.querySelectorAll("main table.table").forEach(function (table) {
    var box = table.parentElement;
    if (!box.classList.contains("table-responsive")) {
      box = document.createElement("div");
      box.className = "table-responsive";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    }
    if (!box.hasAttribute("aria-label") && nameOf(table)) {
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", nameOf(table));
    }
    boxes.push(box);
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
  boxes.forEach(function (box) {
    if (box.getAttribute("tabindex") === "0") {
      box.dataset.keepTab = "1";
    }
  });
  reachable();
  window.addEventListener("resize", reachable);
}());
