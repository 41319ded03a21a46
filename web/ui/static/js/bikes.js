// Bike pages: sort stations by the phone's position, keep a running ride
// up to date, and make an unlock button answer a double press only once.
// Every page works without this script; it only adds to them.
(function () {
  "use strict";

  var locate = document.getElementById("locate");
  if (locate && "geolocation" in navigator) {
    var status = document.getElementById("locate-status");
    locate.hidden = false;
    locate.addEventListener("click", function () {
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        var q = new URLSearchParams();
        // Four decimals are about 10 m: enough to sort stations, no more.
        q.set("lat", pos.coords.latitude.toFixed(4));
        q.set("lon", pos.coords.longitude.toFixed(4));
        location.search = q.toString();
      }, function () {
        locate.disabled = false;
        if (status) status.textContent = status.getAttribute("data-denied");
      }, { maximumAge: 60000, timeout: 15000 });
    });
  }

  document.querySelectorAll("form.unlock-form").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (form.getAttribute("data-sent")) { e.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
    });
  });

  // The QR code on a bike's frame holds its code (alone, or at the end of
  // a link): the camera reads it into the code form and sends it.
  var scan = document.getElementById("bike-scan");
  var codeInput = document.getElementById("bike-code");
  if (scan && codeInput && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    var startBtn = scan.querySelector(".scan-start");
    var video = scan.querySelector(".camera-video");
    var state = scan.querySelector(".camera-state");
    var stream = null, timer = null;
    startBtn.hidden = false;

    var detector = function () {
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
    };
    var stop = function () {
      if (timer) { window.clearInterval(timer); timer = null; }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      scan.querySelector(".camera").hidden = true;
    };
    startBtn.addEventListener("click", function () {
      var detect = detector();
      if (!detect) { state.textContent = scan.getAttribute("data-msg-no-camera"); return; }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          scan.querySelector(".camera").hidden = false;
          startBtn.hidden = true;
          state.textContent = scan.getAttribute("data-msg-scanning");
          return video.play();
        })
        .then(function () {
          var busy = false;
          timer = window.setInterval(function () {
            if (busy) { return; }
            busy = true;
            detect().then(function (text) {
              var code = text ? String(text).trim().split(/[\/:]/).pop().toLowerCase() : "";
              if (!code) { return; }
              stop();
              codeInput.value = code;
              var form = codeInput.form;
              if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
            }).catch(function () {}).then(function () { busy = false; });
          }, 250);
        })
        .catch(function () {
          state.textContent = scan.getAttribute("data-msg-no-camera");
          startBtn.hidden = false;
          stop();
          codeInput.focus();
        });
    });
    window.addEventListener("pagehide", stop);
  }

  // The running ride: fetch this page again every few seconds and swap in
  // its ride section, until the ride is no longer running.
  function refresh() {
    var live = document.getElementById("ride-live");
    if (!live || !live.hasAttribute("data-refresh")) return;
    var every = Math.max(2, parseInt(live.getAttribute("data-refresh"), 10) || 4) * 1000;
    setTimeout(function () {
      fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (res) { if (!res.ok) throw new Error(res.status); return res.text(); })
        .then(function (html) {
          var next = new DOMParser().parseFromString(html, "text/html").getElementById("ride-live");
          if (next) live.replaceWith(document.importNode(next, true));
        })
        .catch(function () { /* try again at the next tick */ })
        .then(refresh);
    }, every);
  }
  refresh();
})();
