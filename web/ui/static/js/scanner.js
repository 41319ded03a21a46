// The staff scanner: reads a QR code with the camera (the browser's own
// BarcodeDetector when it has one, else the vendored jsQR decoder) or takes a
// typed code, sends it to the page's JSON endpoint, and shows the answer in
// large colour-coded text that screen readers announce (aria-live).
//
// At a theatre door the page names the performance being checked and
// carries its door list (see page_ticketing_door.go). The hub's answer is
// authoritative; when the network fails, a QR token is checked here with
// the hub's rule instead: signed by one of the hub's QR keys (docs/qr.md),
// not expired, a ticket of this performance, inside its door window by the
// hub's clock. Whether it was already used only the hub knows, so an
// offline "valid" is shown amber and says so. The entries let in offline
// wait in this device's storage until the hub records them (see the
// queue below, and docs/door.md).
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) { return; }
  var endpoint = root.getAttribute("data-endpoint");
  var csrf = root.getAttribute("data-csrf");
  var msg = function (name) { return root.getAttribute("data-msg-" + name) || ""; };
  // A session that ended (signed out here or in another tab, or expired)
  // is no answer about the code: the code was not checked, and whoever
  // holds it must not be told it was refused. The hub says so with 401,
  // or with 403 csrf for a page whose token belonged to that session.
  var sessionEnded = function (res, data) {
    return res.status === 401 || (res.status === 403 && data && data.reason === "csrf");
  };
  // Nor is a refusal of the person (a role taken away, 403) or of the pace
  // (too many wrong codes, 429): the code was not judged, and the page says
  // so with the hub's reason rather than "refused". A ticket for another
  // venue (403 not_your_venue) was judged: the door turns it away.
  var notJudged = function (res, data) {
    return (res.status === 403 && !(data && data.reason === "not_your_venue")) || res.status === 429;
  };
  var result = root.querySelector(".scan-result");
  var form = root.querySelector(".scan-form");
  var codeInput = form.querySelector("[name=code]");
  var amountInput = form.querySelector("[name=amount]");
  var startBtn = root.querySelector(".scan-start");
  var stopBtn = root.querySelector(".scan-stop");
  var cameraBox = root.querySelector(".camera");
  var video = root.querySelector(".camera-video");
  var state = root.querySelector(".camera-state");
  var performance = root.getAttribute("data-performance");
  var stream = null, timer = null, busy = false, lastCode = "", lastAt = 0;
  var door = readDoorList();
  // The hub's clock, as the page was rendered, against this device's.
  var clockOffset = door ? door.now - Date.now() : 0;

  function readDoorList(from) {
    var el = (from || root).querySelector(".door-list");
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  // While the network is up the door list is read again every minute from
  // this same page, so tickets sold meanwhile are known offline too. The
  // header tells the hub only the list is wanted (not the double entries
  // the page lists, read when it opens).
  function refreshDoorList() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html", "X-Door-List-Refresh": "1" } })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (html) {
        if (!html || !window.DOMParser) { return; }
        var next = readDoorList(new window.DOMParser().parseFromString(html, "text/html"));
        if (next && next.performance === door.performance) {
          door = next;
          clockOffset = door.now - Date.now();
        }
        // The hub answers again: the entries let in offline go.
        flush();
      })
      .catch(function () { /* offline: keep the last list */ });
  }
  if (door) { window.setInterval(refreshDoorList, 60000); }

  // The queue of entries let in offline, kept in this device's storage
  // (one list per performance, so that entries of an evening left with
  // some waiting are sent when the page is opened again) until the hub
  // records them: they are sent when the page opens, whenever the hub
  // answers again, and every half minute while some wait. Each entry the
  // hub answered leaves the queue; a double entry it reports, or an entry
  // it could not accept, is shown to the door staff. The device's id and
  // each entry's own id let the hub record an entry once however often it
  // is sent.
  var queuePrefix = "cityhub.door.queue.", admittedPrefix = "cityhub.door.admitted.";
  var memory = {};
  var storage = (function () {
    try {
      var st = window.localStorage;
      st.setItem("cityhub.door.probe", "1");
      st.removeItem("cityhub.door.probe");
      return st;
    } catch (e) { return null; }
  })();
  function getItem(k) { return storage ? storage.getItem(k) : (memory.hasOwnProperty(k) ? memory[k] : null); }
  function setItem(k, v) {
    if (storage) {
      try { storage.setItem(k, v); return; } catch (e) { /* full: keep it in memory */ }
    }
    memory[k] = v;
  }
  function removeItem(k) { if (storage) { storage.removeItem(k); } delete memory[k]; }
  function storedKeys(prefix) {
    var out = [], k;
    if (storage) {
      for (var i = 0; i < storage.length; i++) { k = storage.key(i); if (k && k.indexOf(prefix) === 0) { out.push(k); } }
    }
    for (k in memory) { if (memory.hasOwnProperty(k) && k.indexOf(prefix) === 0 && out.indexOf(k) < 0) { out.push(k); } }
    return out;
  }
  function readList(key) {
    try {
      var v = JSON.parse(getItem(key) || "[]");
      return Array.isArray(v) ? v : [];
    } catch (e) { return []; }
  }
  function writeList(key, list) { if (list.length) { setItem(key, JSON.stringify(list)); } else { removeItem(key); } }
  // readQueue keeps only entries as this page writes them, so that one
  // spoilt entry never holds the others back.
  function readQueue(perf) {
    return readList(queuePrefix + perf).filter(function (e) {
      return e && typeof e.id === "string" && typeof e.code === "string" && typeof e.at === "string";
    });
  }
  function newID() {
    var c = window.crypto;
    if (c && c.randomUUID) { return c.randomUUID(); }
    var b = new Uint8Array(16), s = "";
    if (c && c.getRandomValues) { c.getRandomValues(b); } else { for (var i = 0; i < 16; i++) { b[i] = Math.floor(Math.random() * 256); } }
    for (var j = 0; j < 16; j++) { s += (b[j] < 16 ? "0" : "") + b[j].toString(16); }
    return s;
  }
  function deviceID() {
    var id = getItem("cityhub.door.device");
    if (!id || !/^[A-Za-z0-9_.:-]{1,64}$/.test(id)) { id = newID(); setItem("cityhub.door.device", id); }
    return id;
  }
  // clockText is a time in the city's zone, as the door reads it.
  function clockText(ms) {
    try {
      return new Date(ms).toLocaleTimeString(document.documentElement.lang || "it", { hour: "2-digit", minute: "2-digit", timeZone: door.zone });
    } catch (e) { return new Date(ms).toISOString().slice(11, 16); }
  }
  // admittedAt is when this door let the ticket in offline, or 0.
  function admittedAt(ticket) {
    var list = readList(admittedPrefix + door.performance);
    for (var i = 0; i < list.length; i++) { if (list[i] && list[i].ticket === ticket) { return list[i].at; } }
    return 0;
  }
  function enqueue(code, ticket) {
    var at = Date.now() + clockOffset;
    var q = readQueue(door.performance);
    q.push({ id: newID(), code: code, at: new Date(at).toISOString(), ticket: ticket });
    writeList(queuePrefix + door.performance, q);
    var seen = readList(admittedPrefix + door.performance);
    seen.push({ ticket: ticket, at: at });
    writeList(admittedPrefix + door.performance, seen);
    showQueue("");
  }
  var queueBox = root.querySelector(".door-queue");
  var alertsBox = root.querySelector(".door-alerts");
  function waiting() {
    var n = 0;
    storedKeys(queuePrefix).forEach(function (k) { n += readQueue(k.slice(queuePrefix.length)).length; });
    return n;
  }
  // showQueue says how many entries wait, or note when none does.
  function showQueue(note) {
    if (!queueBox) { return; }
    var n = waiting();
    var text = n ? (n === 1 ? door.messages.queue_one : door.messages.queue_other).replace("%d", String(n)) : "";
    if (note) { text = text ? note + " " + text : note; }
    queueBox.textContent = text;
    queueBox.hidden = !text;
  }
  function alertStaff(messages) {
    if (!alertsBox || !messages.length) { return; }
    messages.forEach(function (m) {
      var p = document.createElement("p");
      p.className = "alert alert-warning door-alert";
      p.textContent = m;
      alertsBox.insertBefore(p, alertsBox.firstChild);
    });
  }
  var flushing = false;
  // sendBatch sends up to a hundred of perf's waiting entries; it resolves
  // to true when the hub answered them (more may wait), false when it
  // could not (the entries stay for the next try).
  function sendBatch(perf) {
    var batch = readQueue(perf).slice(0, 100);
    if (!batch.length) { return Promise.resolve(false); }
    return fetch(door.upload, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ performance_id: perf, device: deviceID(), entries: batch.map(function (e) { return { id: e.id, code: e.code, at: e.at }; }) })
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.ok && data && Array.isArray(data.results)) {
          var answered = {}, told = [];
          data.results.forEach(function (r) {
            answered[r.id] = true;
            if (r.outcome !== "checked_in" && r.message) { told.push(r.message); }
          });
          writeList(queuePrefix + perf, readQueue(perf).filter(function (e) { return !answered[e.id]; }));
          alertStaff(told);
          return true;
        }
        if (res.status < 500 && data && data.detail) {
          // Refused whole (the session ended, the grant was taken away):
          // the entries stay, and the staff are told why.
          showQueue(door.messages.queue_failed.replace("%s", data.detail));
        }
        return false;
      });
    }).catch(function () { return false; });
  }
  function flush() {
    if (!door || !door.upload || flushing) { return; }
    var perfs = storedKeys(queuePrefix).map(function (k) { return k.slice(queuePrefix.length); });
    if (!perfs.length) { return; }
    flushing = true;
    var sent = false, failed = false;
    var next = function () {
      if (!perfs.length) { return Promise.resolve(); }
      return sendBatch(perfs[0]).then(function (ok) {
        if (ok) { sent = true; } else { failed = true; }
        if (!ok || !readQueue(perfs[0]).length) { perfs.shift(); }
        return next();
      });
    };
    next().then(function () {
      flushing = false;
      if (!failed) { showQueue(sent && !waiting() ? door.messages.queue_done : ""); }
    });
  }
  if (door) {
    // The admitted lists of performances with nothing waiting are of
    // evenings past: only this one's is kept.
    storedKeys(admittedPrefix).forEach(function (k) {
      var perf = k.slice(admittedPrefix.length);
      if (perf !== door.performance && !readQueue(perf).length) { removeItem(k); }
    });
    showQueue("");
    flush();
    window.setInterval(flush, 30000);
    window.addEventListener("online", flush);
  }

  // base32Decode reads RFC 4648 base32 (upper case, no padding); null for
  // anything that would not re-encode to the same text.
  function base32Decode(text) {
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    var out = [], bits = 0, value = 0;
    for (var i = 0; i < text.length; i++) {
      var v = alphabet.indexOf(text.charAt(i));
      if (v < 0) { return null; }
      value = (value << 5) | v;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        out.push((value >>> bits) & 0xff);
      }
      value &= (1 << bits) - 1;
    }
    if (bits >= 5 || value !== 0) { return null; }
    return new Uint8Array(out);
  }

  function ascii(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return s;
  }

  // parseToken splits a CH1 token into its fields (docs/qr.md); null when
  // malformed. Nothing in it is believed before the signature is checked.
  function parseToken(text) {
    if (text.indexOf("CH1:") !== 0) { return null; }
    var b = base32Decode(text.slice(4));
    if (!b || b.length < 8 + 1 + 1 + 64 || b[0] !== 1) { return null; }
    var k = b[6];
    if (k < 1 || k > 40 || 8 + k > b.length) { return null; }
    var l = b[7 + k];
    if (l < 1 || l > 40 || b.length !== 8 + k + l + 64) { return null; }
    return {
      kind: b[1],
      expires: ((b[2] << 24) >>> 0) + (b[3] << 16) + (b[4] << 8) + b[5],
      kid: ascii(b.subarray(7, 7 + k)),
      id: ascii(b.subarray(8 + k, 8 + k + l)),
      signed: b.subarray(0, 8 + k + l),
      sig: b.subarray(8 + k + l)
    };
  }

  // checkOffline resolves to what the door may show without the hub for a
  // scanned token ({kind, title, detail}), or to null when it cannot tell
  // (a typed code, no door list, a browser without Ed25519).
  function checkOffline(code) {
    if (!door || code.indexOf("CH") !== 0 || !window.crypto || !window.crypto.subtle) { return Promise.resolve(null); }
    var m = door.messages;
    var refuse = function (detail) { return { kind: "error", title: m.refused, detail: detail }; };
    var t = parseToken(code);
    var jwk = null;
    for (var i = 0; t && i < door.keys.length; i++) {
      if (door.keys[i].kid === t.kid && door.keys[i].kty === "OKP" && door.keys[i].crv === "Ed25519") { jwk = door.keys[i]; }
    }
    if (!t || !jwk) { return Promise.resolve(refuse(m.invalid)); }
    var subtle = window.crypto.subtle;
    return subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"])
      .then(function (key) { return subtle.verify({ name: "Ed25519" }, key, t.sig, t.signed); })
      .then(function (genuine) {
        var now = Date.now() + clockOffset;
        if (!genuine || t.kind !== 2) { return refuse(m.invalid); }
        if (now > t.expires * 1000 + door.leeway_ms) { return refuse(m.expired || m.invalid); }
        if (door.tickets.indexOf(t.id) < 0) {
          for (var j = 0; j < door.others.length; j++) {
            if (door.others[j].tickets.indexOf(t.id) >= 0) { return refuse(door.others[j].refusal); }
          }
          return refuse(m.unknown);
        }
        if (now < door.doors_open) { return refuse(m.doors_not_open); }
        if (now >= door.ends_at) { return refuse(m.performance_ended); }
        var before = admittedAt(t.id);
        if (before) {
          var r = refuse(m.already_in.replace("%s", clockText(before)));
          r.admitted = true;
          return r;
        }
        return { kind: "warning", title: m.ok_title, detail: m.ok_message, ticket: t.id };
      })
      .catch(function () { return null; });
  }

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    startBtn.hidden = true;
    state.textContent = msg("no-camera");
  }

  // show writes the answer; actions are buttons under it ({label, primary,
  // onclick}), for the till's "Riscatta" after a preview.
  function show(kind, title, detail, actions) {
    // A button of the answer ("Riscatta", "Annulla") that had the focus
    // goes with it: the focus then moves to the answer itself, which is
    // read out, rather than falling back to the top of the page.
    var focused = result.contains(document.activeElement);
    result.className = "scan-result" + (kind ? " is-" + kind : "");
    result.textContent = "";
    var p = document.createElement("p");
    p.className = "scan-result-text";
    p.textContent = title;
    if (detail) {
      var d = document.createElement("span");
      d.className = "detail";
      d.textContent = detail;
      p.appendChild(d);
    }
    result.appendChild(p);
    if (actions && actions.length) {
      var bar = document.createElement("div");
      bar.className = "scan-actions";
      actions.forEach(function (a) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "btn btn-block " + (a.primary ? "btn-primary" : "btn-outline-primary");
        b.textContent = a.label;
        if (a.testid) { b.setAttribute("data-testid", a.testid); }
        b.addEventListener("click", a.onclick);
        bar.appendChild(b);
      });
      result.appendChild(bar);
    }
    if (focused && !result.contains(document.activeElement)) { result.focus(); }
    // At a counter the answer must be seen at a glance, wherever the page
    // was scrolled to.
    if (kind && result.scrollIntoView) { result.scrollIntoView({ block: "start", behavior: "auto" }); }
  }

  // readAmount reads a purchase amount by the rule of the money package's
  // Parse, which reads the form without the script and the amounts of
  // every other form: "12,50" and "12.50", thousands with or without their
  // cents, Italian ("1.250,00") or English ("1,250.00"), the cents alone
  // (",50", ".50"), a "€" or "EUR" before or after and a leading "+". What
  // Parse refuses it refuses with Parse's reason: "1.250" alone
  // (amount_ambiguous: a thousand, or one euro with three decimals), more
  // than two decimals (amount_fraction), a minus (amount_negative), and a
  // space inside the number ("1 000,00", "12 50": amount_format), which at
  // a till could turn 12,50 into 1250 euros. It answers {cents} or
  // {reason}. money/testdata/typed_amounts.json holds what both must read
  // alike, and a test reads it through each. An amount too large for the
  // till is the server's to refuse, in its own words; the script keeps
  // only what a number holds exactly (below 2^53 cents).
  var space = "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*";
  var trimSpace = new RegExp("^" + space + "|" + space + "$", "g");
  function readAmount(text) {
    var refuse = function (reason) { return { reason: reason }; };
    // Go's strings.TrimSpace, not String.trim: they differ on U+0085 and
    // U+FEFF, and both sides must read the same amount.
    var s = String(text).replace(trimSpace, "");
    var sign = cutSign(s);
    s = sign.rest;
    var cur = cutCurrency(s);
    s = cur.rest;
    if (cur.found && !sign.found) { sign = cutSign(s); s = sign.rest; }
    if (s === "") { return refuse(sign.found ? "amount_format" : "amount_missing"); }
    if (sign.negative) { return refuse("amount_negative"); }
    if (!/^[0-9.,]+$/.test(s)) { return refuse("amount_format"); }
    var dots = s.split(".").length - 1, commas = s.split(",").length - 1;
    var whole = s, frac = "", hasFrac = false, thousands = "";
    var i;
    if (dots > 0 && commas > 0) {
      // Both: the last is the decimal separator, used once; the other
      // separates thousands.
      i = Math.max(s.lastIndexOf("."), s.lastIndexOf(","));
      var decimal = s.charAt(i);
      thousands = decimal === "," ? "." : ",";
      if (s.split(decimal).length > 2) { return refuse("amount_format"); }
      whole = s.slice(0, i); frac = s.slice(i + 1); hasFrac = true;
    } else if (dots + commas === 1) {
      i = s.search(/[.,]/);
      whole = s.slice(0, i); frac = s.slice(i + 1); hasFrac = true;
      if (frac.length === 3 && whole.length <= 3 && /[1-9]/.test(whole)) { return refuse("amount_ambiguous"); }
    } else if (dots > 1) {
      thousands = ".";
    } else if (commas > 1) {
      thousands = ",";
    }
    if (thousands) {
      var groups = whole.split(thousands);
      for (var g = 0; g < groups.length; g++) {
        var n = groups[g].length;
        if ((g === 0 && (n < 1 || n > 3)) || (g > 0 && n !== 3)) { return refuse("amount_format"); }
      }
      whole = groups.join("");
    }
    if (hasFrac) {
      if (frac === "") { return refuse("amount_format"); }
      if (frac.length > 2) { return refuse("amount_fraction"); }
      if (whole === "" && thousands) { return refuse("amount_format"); }
    }
    if (!hasFrac && whole === "") { return refuse("amount_format"); }
    var cents = Number(whole || "0") * 100 + (frac ? Number((frac + "0").slice(0, 2)) : 0);
    return Number.isSafeInteger(cents) ? { cents: cents } : refuse("amount_too_large");
  }

  // cutSign takes a leading sign and the spaces after it off s, as Parse
  // does ("-" and "−" are a minus, which a purchase cannot be).
  function cutSign(s) {
    var m = /^([-\u2212+])/.exec(s);
    if (!m) { return { rest: s, found: false, negative: false }; }
    return { rest: s.slice(1).replace(trimSpace, ""), found: true, negative: m[1] !== "+" };
  }

  // cutCurrency takes one "€" or "EUR" (any case) off the start or the end
  // of s, and the spaces next to it, as Parse does.
  function cutCurrency(s) {
    var forms = ["€", "eur"];
    for (var k = 0; k < forms.length; k++) {
      var c = forms[k], n = c.length;
      if (s.length >= n && s.slice(0, n).toLowerCase() === c) { return { rest: s.slice(n).replace(trimSpace, ""), found: true }; }
      if (s.length >= n && s.slice(s.length - n).toLowerCase() === c) { return { rest: s.slice(0, s.length - n).replace(trimSpace, ""), found: true }; }
    }
    return { rest: s, found: false };
  }

  // A till first asks what the voucher gives on this amount (preview) and
  // redeems only when the shopkeeper presses "Riscatta"; pending holds the
  // previewed request meanwhile, and the camera reads nothing new.
  var pending = null;
  var idleText = result.textContent.trim();

  function clearFields() {
    // The next customer starts from empty fields, so an old amount is
    // never applied to a new code by mistake.
    codeInput.value = "";
    if (amountInput) { amountInput.value = ""; }
  }

  function send(body, preview) {
    busy = true;
    show("", msg("checking"));
    if (preview) { body.preview = true; } else { delete body.preview; }
    fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.ok && data.outcome === "preview") {
          pending = body;
          show("preview", data.title || "", data.message || "", [
            { label: data.confirm || "OK", primary: true, testid: "scan-redeem", onclick: function () { var b = pending; pending = null; if (b) { send(b, false); } } },
            { label: data.cancel || "×", primary: false, testid: "scan-cancel", onclick: function () { pending = null; show("", idleText); codeInput.focus(); } }
          ]);
          var first = result.querySelector("button");
          if (first) { first.focus(); }
        } else if (res.ok) {
          show(data.outcome === "warning" ? "warning" : "ok", data.title || msg("ok"), data.message || "");
          clearFields();
        } else if (sessionEnded(res, data)) {
          show("error", msg("signed-out"), "");
        } else if (notJudged(res, data)) {
          show("error", msg("not-checked"), data.detail || "");
        } else {
          show("error", data.heading || msg("error"), data.detail || "");
        }
      });
    }).catch(function () {
      show("error", msg("network"));
    }).then(function () {
      busy = false;
    });
  }

  // markAmount marks the amount's field wrong and described by the answer
  // that says why, as the page without the script marks it, so that a
  // screen reader on the field reads the reason with it; or clears that.
  function markAmount(wrong) {
    if (!result.id) { result.id = "scan-result"; }
    var ids = (amountInput.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && id !== result.id; });
    if (wrong) {
      amountInput.setAttribute("aria-invalid", "true");
      ids.push(result.id);
    } else {
      amountInput.removeAttribute("aria-invalid");
    }
    if (ids.length) { amountInput.setAttribute("aria-describedby", ids.join(" ")); } else { amountInput.removeAttribute("aria-describedby"); }
  }

  function submit(code) {
    code = String(code).trim();
    if (!code || busy) { return; }
    pending = null;
    var body = { code: code };
    if (performance) { body.performance_id = performance; }
    if (amountInput) {
      var amount = readAmount(amountInput.value);
      if (amount.reason) {
        // As the form without the script answers: the amount is wrong,
        // and the words for why. One too large to hold is out of the
        // purchase's range, which the hub answers with its own words
        // (purchase_amount) for an amount over the most: the same words
        // whatever the number's size.
        var why = amount.reason === "amount_too_large" ? "purchase_amount" : amount.reason;
        show("error", msg("amount-invalid"), msg(why));
        markAmount(true);
        amountInput.focus();
        return;
      }
      markAmount(false);
      body.amount_cents = amount.cents;
      // At a till the answer moves money: preview first.
      send(body, true);
      return;
    }
    busy = true;
    show("", msg("checking"));
    var offline = checkOffline(code);
    // A ticket this door let in offline is refused before the hub is
    // asked: the hub may not have its entry yet (the queue goes when it
    // answers), and would let the ticket in a second time. Only a token
    // the offline check finds genuine counts: a forged one naming that
    // ticket is refused as forged, by the hub.
    var token = door ? parseToken(code) : null;
    var mine = token && admittedAt(token.id) ? offline : Promise.resolve(null);
    mine.then(function (v) {
      if (v && v.admitted) {
        show(v.kind, v.title, v.detail);
        codeInput.value = "";
        busy = false;
        return;
      }
      askHub(body, offline);
    });
  }

  // askHub sends a code to the hub; at a door, a hub that does not answer
  // in time is answered by offline, the check without it.
  function askHub(body, offline) {
    var code = body.code;
    // A door cannot wait on a dead network: after a few seconds the
    // offline answer is shown instead. (A till keeps waiting: its answer
    // moves money.)
    var abort = door && window.AbortController ? new AbortController() : null;
    var deadline = abort ? window.setTimeout(function () { abort.abort(); }, 6000) : 0;
    fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
      signal: abort ? abort.signal : undefined
    }).then(function (res) {
      // A server error is the hub failing, not the ticket: at a door it is
      // answered like a dead network, by the offline check.
      if (res.status === 502 || res.status === 504 || (door && res.status >= 500)) { throw new Error("hub"); }
      if (door) { window.setTimeout(flush, 0); }
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.ok) {
          show(data.outcome === "warning" ? "warning" : "ok", data.title || msg("ok"), data.message || "");
          // The next customer starts from empty fields, so an old amount is
          // never applied to a new code by mistake.
          codeInput.value = "";
          if (amountInput) { amountInput.value = ""; }
        } else if (sessionEnded(res, data)) {
          show("error", msg("signed-out"), "");
        } else if (notJudged(res, data)) {
          show("error", msg("not-checked"), data.detail || "");
        } else {
          show("error", msg("error"), data.detail || "");
        }
      });
    }).catch(function () {
      return offline.then(function (v) {
        // An entry let in offline joins the queue, to be recorded when
        // the hub answers again.
        if (v && v.ticket) { enqueue(code, v.ticket); codeInput.value = ""; }
        if (v) { show(v.kind, v.title, v.detail); } else { show("error", msg("network")); }
      });
    }).then(function () {
      window.clearTimeout(deadline);
      busy = false;
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    submit(codeInput.value);
  });

  // A code held in front of the camera is read many times a second; it is
  // sent once, and again only after a pause.
  function found(text) {
    var now = Date.now();
    if (pending || (text === lastCode && now - lastAt < 5000)) { return; }
    lastCode = text;
    lastAt = now;
    if (navigator.vibrate) { navigator.vibrate(80); }
    submit(text);
  }

  function makeDetector() {
    if ("BarcodeDetector" in window) {
      try {
        var native = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function () {
          return native.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
        };
      } catch (e) { /* fall back to jsQR */ }
    }
    if (typeof window.jsQR !== "function") { return null; }
    var canvas = document.createElement("canvas");
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    return function () {
      var w = video.videoWidth, h = video.videoHeight;
      if (!w || !h) { return Promise.resolve(null); }
      var scale = Math.min(1, 640 / Math.max(w, h));
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var hit = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
      return Promise.resolve(hit ? hit.data : null);
    };
  }

  function stop() {
    if (timer) { window.clearInterval(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    cameraBox.hidden = true;
    stopBtn.hidden = true;
    startBtn.hidden = false;
    state.textContent = "";
    startBtn.focus();
  }

  startBtn.addEventListener("click", function () {
    var detect = makeDetector();
    if (!detect) { state.textContent = msg("no-camera"); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        cameraBox.hidden = false;
        startBtn.hidden = true;
        stopBtn.hidden = false;
        stopBtn.focus();
        state.textContent = msg("scanning");
        return video.play();
      })
      .then(function () {
        var scanning = false;
        timer = window.setInterval(function () {
          if (scanning || busy) { return; }
          scanning = true;
          detect().then(function (text) { if (text) { found(text); } })
            .catch(function () {})
            .then(function () { scanning = false; });
        }, 250);
      })
      .catch(function () {
        state.textContent = msg("no-camera");
        stop();
        codeInput.focus();
      });
  });
  stopBtn.addEventListener("click", stop);
  window.addEventListener("pagehide", stop);
})();
