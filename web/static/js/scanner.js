// The staff scanner: reads a QR code with the camera (the browser's own
// BarcodeDetector when it has one, else the vendored jsQR decoder) or takes a
// typed code, sends it to the page's JSON endpoint, and shows the answer in
// large colour-coded text that screen readers announce (aria-live).
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) { return; }
  var endpoint = root.getAttribute("data-endpoint");
  var csrf = root.getAttribute("data-csrf");
  var msg = function (name) { return root.getAttribute("data-msg-" + name) || ""; };
  var result = root.querySelector(".scan-result");
  var form = root.querySelector(".scan-form");
  var codeInput = form.querySelector("[name=code]");
  var amountInput = form.querySelector("[name=amount]");
  var startBtn = root.querySelector(".scan-start");
  var stopBtn = root.querySelector(".scan-stop");
  var cameraBox = root.querySelector(".camera");
  var video = root.querySelector(".camera-video");
  var state = root.querySelector(".camera-state");
  var stream = null, timer = null, busy = false, lastCode = "", lastAt = 0;

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    startBtn.hidden = true;
    state.textContent = msg("no-camera");
  }

  function show(kind, title, detail) {
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
    // At a counter the answer must be seen at a glance, wherever the page
    // was scrolled to.
    if (kind && result.scrollIntoView) { result.scrollIntoView({ block: "start", behavior: "auto" }); }
  }

  // parseCents reads "12,50" or "12.50" as 1250; NaN when it is not an amount.
  function parseCents(text) {
    var t = String(text).trim().replace(/\s|€/g, "");
    if (!/^\d{1,6}([.,]\d{1,2})?$/.test(t)) { return NaN; }
    var parts = t.replace(",", ".").split(".");
    var cents = parseInt(parts[0], 10) * 100;
    if (parts[1]) { cents += parseInt((parts[1] + "0").slice(0, 2), 10); }
    return cents;
  }

  function submit(code) {
    code = String(code).trim();
    if (!code || busy) { return; }
    var body = { code: code };
    if (amountInput) {
      var cents = parseCents(amountInput.value);
      if (isNaN(cents)) {
        show("error", msg("error"), amountInput.labels && amountInput.labels[0] ? amountInput.labels[0].textContent : "");
        amountInput.focus();
        return;
      }
      body.amount_cents = cents;
    }
    busy = true;
    show("", msg("checking"));
    fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.ok) {
          show(data.outcome === "warning" ? "warning" : "ok", data.title || msg("ok"), data.message || "");
          // The next customer starts from empty fields, so an old amount is
          // never applied to a new code by mistake.
          codeInput.value = "";
          if (amountInput) { amountInput.value = ""; }
        } else {
          show("error", msg("error"), data.detail || "");
        }
      });
    }).catch(function () {
      show("error", msg("network"));
    }).then(function () { busy = false; });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    submit(codeInput.value);
  });

  // A code held in front of the camera is read many times a second; it is
  // sent once, and again only after a pause.
  function found(text) {
    var now = Date.now();
    if (text === lastCode && now - lastAt < 5000) { return; }
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
