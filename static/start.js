// The home form: the drawing pad, drop / paste / preview for uploads, and sending the form with
// an upload progress bar (htmx 4 sends with fetch, which cannot report upload progress).
(function () {
  "use strict";
  var form = document.getElementById("start");
  if (!form) return;
  var pad = document.getElementById("pad");
  var ctx = pad.getContext("2d");
  var brush = document.getElementById("brush");
  var strokes = [];
  var current = null;

  function choose(source) {
    form.querySelector('input[name=source][value="' + source + '"]').checked = true;
  }

  // ---- drawing pad: strokes are kept so that Undo can redraw all but the last ----
  function paper() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, pad.width, pad.height);
  }
  function drawStroke(s) {
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    ctx.lineWidth = s.width;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    if (s.points.length === 1) {
      ctx.beginPath();
      ctx.arc(s.points[0][0], s.points[0][1], s.width / 2, 0, 2 * Math.PI);
      ctx.fill();
      return;
    }
    ctx.beginPath();
    ctx.moveTo(s.points[0][0], s.points[0][1]);
    for (var i = 1; i < s.points.length; i++) ctx.lineTo(s.points[i][0], s.points[i][1]);
    ctx.stroke();
  }
  function redraw() {
    paper();
    strokes.forEach(drawStroke);
  }
  function point(e) {
    var box = pad.getBoundingClientRect();
    return [(e.clientX - box.left) * pad.width / box.width, (e.clientY - box.top) * pad.height / box.height];
  }
  // Drawing picks the learned letters network, unless a pipeline was chosen by hand.
  var presetChosen = false;
  form.querySelectorAll("input[name=preset]").forEach(function (radio) {
    radio.addEventListener("change", function (e) { if (e.isTrusted) presetChosen = true; });
  });
  // "What are you drawing?" picks which classes the learned network may answer.
  var reading = document.getElementById("reading");
  function readWith() {
    var radio = reading && form.querySelector('input[name=preset][value="' + reading.value + '"]');
    if (radio) radio.checked = true;
  }
  if (reading) reading.addEventListener("change", function () { presetChosen = false; readWith(); changed(); });
  function drawingStarted() {
    choose("draw");
    if (!presetChosen) readWith();
  }
  pad.addEventListener("pointerdown", function (e) {
    e.preventDefault();
    pad.setPointerCapture(e.pointerId);
    current = { width: Number(brush.value) * pad.width / 280, points: [point(e)] };
    strokes.push(current);
    drawingStarted();
    drawStroke(current);
    changed();
  });
  pad.addEventListener("pointermove", function (e) {
    if (!current) return;
    var events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    var from = current.points[current.points.length - 1];
    events.forEach(function (ev) { current.points.push(point(ev)); });
    // only the new piece is drawn (round joins make the pieces one smooth line)
    drawStroke({ width: current.width, points: [from].concat(current.points.slice(-events.length)) });
    changed();
  });
  function endStroke() { current = null; changed(); }
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);
  document.getElementById("undo").addEventListener("click", function () { strokes.pop(); redraw(); changed(); });
  document.getElementById("clear").addEventListener("click", function () { strokes = []; redraw(); liveOut.innerHTML = ""; });
  paper();

  // The drawing as a PNG, at once: toBlob may wait for the browser to be idle (up to a second
  // in Chromium), while toDataURL encodes a 280x280 pad in about a millisecond.
  function drawingBlob() {
    var bytes = atob(pad.toDataURL("image/png").split(",")[1]);
    var data = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) data[i] = bytes.charCodeAt(i);
    return new Blob([data], { type: "image/png" });
  }

  // ---- live: re-run the drawing while it changes, at most LIVE_PER_SECOND times a second ----
  var LIVE_PER_SECOND = 8;
  var live = document.getElementById("live");
  var liveOut = document.getElementById("live-result");
  var inFlight = false, waiting = false, lastSent = 0, timer = null;
  function changed() {
    if (!live.checked || !strokes.length) return;
    if (inFlight) { waiting = true; return; }
    var wait = lastSent + 1000 / LIVE_PER_SECOND - Date.now();
    if (wait > 0) { if (!timer) timer = setTimeout(function () { timer = null; changed(); }, wait); return; }
    sendLive();
  }
  function sendLive() {
    inFlight = true;
    lastSent = Date.now();
    var data = new FormData();
    data.set("source", "draw");
    data.set("live", "1");
    data.set("preset", (form.querySelector("input[name=preset]:checked") || {}).value || "");
    data.set("drawing", drawingBlob(), "drawing.png");
    fetch(form.action, { method: "POST", body: data, headers: { "HX-Request": "true" } })
      .then(function (response) { return response.text(); })
      .then(function (html) { liveOut.innerHTML = html; })
      .catch(function () { liveOut.textContent = "No answer from the server."; })
      .finally(function () {
        inFlight = false;
        if (waiting) { waiting = false; changed(); }
      });
  }
  live.addEventListener("change", changed);

  // ---- upload: picker, drag and drop, paste; a preview of what was chosen ----
  var input = document.getElementById("image");
  var preview = document.getElementById("preview");
  var drop = document.getElementById("drop");
  function showPreview() {
    var file = input.files && input.files[0];
    if (!file) { preview.hidden = true; return; }
    choose("upload");
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
  }
  function useFile(file) {
    var list = new DataTransfer();
    list.items.add(file);
    input.files = list.files;
    showPreview();
  }
  input.addEventListener("change", showPreview);
  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    drop.addEventListener(type, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer.files.length) useFile(e.dataTransfer.files[0]);
  });
  document.addEventListener("paste", function (e) {
    var items = e.clipboardData ? e.clipboardData.files : [];
    if (items.length && items[0].type.indexOf("image/") === 0) { e.preventDefault(); useFile(items[0]); }
  });

  // ---- Build your own: any edit there picks it, and picking it opens it ----
  var build = document.getElementById("build");
  var custom = form.querySelector('input[name=preset][value="custom"]');
  function pickCustom() {
    if (!custom) return;
    custom.checked = true;
    presetChosen = true;
  }
  build.addEventListener("input", pickCustom);
  build.addEventListener("change", pickCustom);
  if (custom) custom.addEventListener("change", function () { if (custom.checked) build.open = true; });

  // ---- examples suggest their preset ----
  form.querySelectorAll("input[name=example]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      choose("example");
      var preset = form.querySelector('input[name=preset][value="' + radio.dataset.preset + '"]');
      if (preset) preset.checked = true;
    });
  });

  // ---- send: the drawing as a PNG, with upload progress; errors shown in place ----
  var progress = document.getElementById("progress");
  var errors = document.getElementById("start-error");
  var button = form.querySelector("button.run");
  function send(data) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("HX-Request", "true");
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable || e.total < 200000) return;
      progress.hidden = false;
      progress.value = Math.round(100 * e.loaded / e.total);
    });
    xhr.addEventListener("loadend", function () {
      progress.hidden = true;
      button.disabled = false;
      var next = xhr.getResponseHeader("HX-Location");
      if (xhr.status >= 200 && xhr.status < 300 && next) { window.location.assign(next); return; }
      errors.innerHTML = xhr.status ? xhr.responseText
        : '<div class="error" role="alert"><strong>No answer from the server</strong><p>Check the connection and try again.</p></div>';
    });
    button.disabled = true;
    errors.innerHTML = "";
    xhr.send(data);
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var data = new FormData(form);
    if (data.get("source") === "draw" && !strokes.length) {
      errors.innerHTML = '<div class="error" role="alert"><strong>The drawing pad is empty</strong>' +
        "<p>Draw something on the pad first, or pick an example or a picture of your own.</p></div>";
      pad.focus();
      return;
    }
    data.delete("drawing");
    if (data.get("source") === "draw") {
      data.set("drawing", drawingBlob(), "drawing.png");
    }
    send(data);
  });
  document.documentElement.classList.add("js");
})();
