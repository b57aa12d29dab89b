// The home form: its drawing pad (pad.js), live runs of the drawing, drop / paste / preview for
// uploads, the preset a way in suggests, and Run through the sender (send.js).
(function () {
  "use strict";
  var form = document.getElementById("start");
  if (!form) return;
  var canvas = document.getElementById("pad");
  var brush = document.getElementById("brush");

  function choose(source) {
    form.querySelector('input[name=source][value="' + source + '"]').checked = true;
    if (source !== "upload") document.getElementById("proposal").hidden = true;  // it was for an upload
    document.getElementById("start-error").innerHTML = "";  // a new picture: the last error was not its
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

  var pad = ConvLens.pad(canvas, {
    width: function () { return Number(brush.value) * canvas.width / 280; },
    started: function () { choose("draw"); if (!presetChosen) readWith(); },
    changed: function () { changed(); form.dispatchEvent(new Event("picture")); },
  });
  document.getElementById("undo").addEventListener("click", pad.undo);
  document.getElementById("clear").addEventListener("click", function () { pad.clear(); liveOut.innerHTML = ""; });

  // ---- live: re-run the drawing while it changes, at most LIVE_PER_SECOND times a second ----
  var LIVE_PER_SECOND = 8;
  var live = document.getElementById("live");
  var liveOut = document.getElementById("live-result");
  var inFlight = false, waiting = false, lastSent = 0, timer = null;
  function changed() {
    if (!live.checked || pad.empty()) return;
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
    data.set("drawing", pad.blob(), "drawing.png");
    // its own address, so the server counts live updates apart from runs (they never block Run)
    var action = new URL(form.action, location.href);
    action.searchParams.set("live", "1");
    ConvLens.send(form, data, { result: liveOut, errors: liveOut, quiet: true, action: action.href,
                                done: function () {
      inFlight = false;
      if (waiting) { waiting = false; changed(); }
    } });
  }
  live.addEventListener("change", changed);

  // ---- upload: picker, drag and drop, paste; a preview of what was chosen ----
  var input = document.getElementById("image");
  var preview = document.getElementById("preview");
  var drop = document.getElementById("drop");
  var previewNote = document.getElementById("preview-note");
  function showPreview() {
    var file = input.files && input.files[0];
    previewNote.hidden = true;
    if (!file) { preview.hidden = true; return; }
    choose("upload");
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.hidden = true;  // shown once it has loaded: never a broken picture
    preview.dataset.name = file.name;
    preview.src = URL.createObjectURL(file);
  }
  preview.addEventListener("load", function () { preview.hidden = false; propose(preview); });

  // ---- a chosen picture proposes the pipeline that fits it, and says why in one line ----
  var proposal = document.getElementById("proposal");
  var REASONS = {
    "seed-xo": "black and white squares, like the slides' 9\u00d79 X and O.",
    "letters": "dark strokes on light paper, like a written letter or digit.",
    "sobel-edges": "a photo, or anything that is not a written letter: edges show what is in it " +
      "(the X/O vote and the letters network only know their own classes).",
  };
  function fits(img) {
    var w = img.naturalWidth, h = img.naturalHeight;
    var c = document.createElement("canvas");
    c.width = Math.min(64, w); c.height = Math.min(64, h);
    var g = c.getContext("2d");
    g.fillStyle = "#fff"; g.fillRect(0, 0, c.width, c.height);  // transparency reads as paper
    g.drawImage(img, 0, 0, c.width, c.height);
    var d = g.getImageData(0, 0, c.width, c.height).data, n = d.length / 4;
    var dark = 0, light = 0, colour = 0;
    for (var i = 0; i < d.length; i += 4) {
      var hi = Math.max(d[i], d[i + 1], d[i + 2]), lo = Math.min(d[i], d[i + 1], d[i + 2]);
      var grey = (d[i] + d[i + 1] + d[i + 2]) / 3;
      if (hi - lo > 40) colour++;
      if (grey < 96) dark++; else if (grey > 176) light++;
    }
    var twoTone = (dark + light) / n > 0.9 && colour / n < 0.05;
    if (twoTone && nineByNine(img)) return "seed-xo";
    if (twoTone && light > dark && dark / n > 0.01) return "letters";
    return "sobel-edges";
  }
  function nineByNine(img) {  // a 9x9 grid of flat squares (the slides' pictures, enlarged)
    var side = 9 * Math.max(1, Math.min(40, Math.floor(Math.min(img.naturalWidth, img.naturalHeight) / 9)));
    if (Math.abs(img.naturalWidth - img.naturalHeight) > 1 || img.naturalWidth % 9 > 1) return false;
    var c = document.createElement("canvas");
    c.width = c.height = side;
    var g = c.getContext("2d");
    g.imageSmoothingEnabled = false;
    g.drawImage(img, 0, 0, side, side);
    var d = g.getImageData(0, 0, side, side).data, cell = side / 9;
    function at(y, x) { var i = (Math.floor(y) * side + Math.floor(x)) * 4; return d[i] + d[i + 1] + d[i + 2]; }
    for (var r = 0; r < 9; r++) {
      for (var q = 0; q < 9; q++) {
        var mid = at((r + 0.5) * cell, (q + 0.5) * cell);
        var near = [at((r + 0.2) * cell, (q + 0.2) * cell), at((r + 0.8) * cell, (q + 0.8) * cell),
                    at((r + 0.2) * cell, (q + 0.8) * cell), at((r + 0.8) * cell, (q + 0.2) * cell)];
        for (var k = 0; k < 4; k++) if (Math.abs(near[k] - mid) > 90) return false;
      }
    }
    return true;
  }
  function propose(img) {
    var name = fits(img);
    var radio = form.querySelector('input[name=preset][value="' + name + '"]');
    if (!radio) { proposal.hidden = true; return; }
    radio.checked = true;
    var title = radio.closest("label").querySelector("strong").textContent;
    proposal.textContent = "Proposed for this picture: " + title + ", as it looks like " +
      REASONS[name] + " Pick another pipeline if you like.";
    proposal.hidden = false;
  }
  form.addEventListener("change", function (e) {  // another source: the proposal is not for it
    if (e.target.name === "source" && e.target.value !== "upload") choose(e.target.value);
  });
  preview.addEventListener("error", function () {
    preview.hidden = true;
    previewNote.textContent = "\u201c" + preview.dataset.name + "\u201d is not a picture: choose a PNG, JPEG, GIF or WebP.";
    previewNote.hidden = false;
  });
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

  // ---- Run: the drawing as a PNG, with upload progress; errors shown in place ----
  // ConvLens.startData(): the form's data with the drawing as its picture; null when Draw is
  // chosen and the pad is empty (the builder's preview asks for it too)
  var EMPTY = "Draw something on the pad first, or pick an example or a picture of your own.";
  ConvLens.startData = function () {
    var data = new FormData(form);
    data.delete("drawing");
    if (data.get("source") === "draw") {
      if (pad.empty()) return null;
      data.set("drawing", pad.blob(), "drawing.png");
    }
    return data;
  };
  ConvLens.startEmpty = EMPTY;
  var parts = { errors: document.getElementById("start-error"), progress: document.getElementById("progress") };
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var data = ConvLens.startData();
    if (!data) {
      parts.errors.innerHTML = ConvLens.empty(EMPTY);
      canvas.focus();
      return;
    }
    ConvLens.send(form, data, parts);
  });
})();
