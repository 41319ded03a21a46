// The part of Bootstrap Italia's script that the pages use, bundled from
// the kit's own sources (bootstrap-italia/src/js) into
// js/bootstrap-italia.cityhub.min.js; ../../README.md says how. The kit's
// whole bundle (dist/js/bootstrap-italia.bundle.min.js, about 1 MB) also
// carries the video player, carousel, form validation and some thirty other
// components that no page has.
//
// Each import runs the module for its side effects: the kit's components
// listen on the document for the data-bs-* attributes of the markup, as
// its bundle does when it loads. The order is the bundle's.

// Marks an element focused by a click with data-focus-mouse="true", which
// the stylesheet uses to draw the focus ring only for the keyboard. Also
// sets window.BOOTSTRAP_ITALIA_VERSION, as the bundle does.
import 'bootstrap-italia/src/js/plugins/init.js'

// The header's menu on a phone: data-bs-toggle="navbarcollapsible" on the
// toggler, its close button, the overlay, the focus kept inside while open.
import 'bootstrap-italia/src/js/plugins/navbar-collapsible.js'

// The staff group in the header: data-bs-toggle="dropdown", with Popper.
import 'bootstrap-italia/src/js/plugins/dropdown.js'

// Left out, though the bundle runs them on load too: the form input
// component (input.js) toggles an "active" class on the label of each
// input, which the stylesheet styles only inside .form-group, .toggles and
// .input-group, none of which the pages use; and components whose markup
// (cookie bar, sticky header, back-to-top button, carousel, tabs, password
// and number inputs, ...) no page has. fonts-loader.js never ran: the
// pages' Content-Security-Policy forbids the <style> it adds, and
// css/fonts.css declares the fonts instead.
