// Sending a page's form as htmx would, with what htmx 4's fetch cannot do (upload progress):
// the form's data with HX-Request; then the page the server names (HX-Redirect or HX-Location),
// or its answer in the form's result box, or its message in place. Forms marked data-send are
// sent so; one with a drawing pad (canvas.draw-pad) sends the drawing as its picture.
(function () {
  "use strict";
  var ConvLens = window.ConvLens = window.ConvLens || {};
  var SILENT = '<div class="error" role="alert"><strong>No answer from the server</strong>' +
    "<p>Check the connection and try again.</p></div>";

  // ConvLens.send(form, data, parts): parts.errors is where a message goes, parts.result where a
  // successful answer goes (when it names no page), parts.progress a <progress> for big uploads,
  // parts.done a function run once the answer is in (told whether it was a success); parts.quiet
  // leaves the Run button alone; parts.action sends somewhere else than the form's action.
  ConvLens.send = function (form, data, parts) {
    var button = parts.quiet ? null : form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", parts.action || form.action);
    xhr.setRequestHeader("HX-Request", "true");
    xhr.upload.addEventListener("progress", function (e) {
      if (!parts.progress || !e.lengthComputable || e.total < 200000) return;
      parts.progress.hidden = false;
      parts.progress.value = Math.round(100 * e.loaded / e.total);
    });
    xhr.addEventListener("loadend", function () {
      if (parts.progress) parts.progress.hidden = true;
      if (button) button.disabled = false;
      var next = xhr.getResponseHeader("HX-Redirect") || xhr.getResponseHeader("HX-Location");
      var ok = xhr.status >= 200 && xhr.status < 300;
      if (ok && next) { window.location.assign(next); return; }
      var into = ok && parts.result ? parts.result : parts.errors;
      into.innerHTML = xhr.status ? xhr.responseText : SILENT;
      if (parts.done) parts.done(ok);
    });
    if (button) button.disabled = true;
    if (!parts.quiet) parts.errors.innerHTML = "";
    xhr.send(data);
  };

  ConvLens.empty = function (what) {
    return '<div class="error" role="alert"><strong>The drawing pad is empty</strong><p>' + what +
      "</p></div>";
  };

  function wire(form) {
    form.dataset.wired = "1";
    var canvas = form.querySelector("canvas.draw-pad");
    var parts = {
      errors: form.querySelector(".form-error"),
      result: form.dataset.result ? document.getElementById(form.dataset.result) : null,
    };
    var pad = canvas && ConvLens.pad(canvas, { width: function () { return canvas.width / 15; } });
    if (pad) {
      form.querySelector(".pad-clear").addEventListener("click", pad.clear);
      form.querySelector(".pad-undo").addEventListener("click", pad.undo);
      // a form that sends one drawing after another clears the pad once one has arrived
      if ("clearAfter" in form.dataset) parts.done = function (ok) { if (ok) pad.clear(); };
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = new FormData(form);
      var file = form.querySelector("input[type=file]");
      var chosen = file && file.files.length;
      if (pad && !pad.empty()) {
        data.delete("image");
        data.set("drawing", pad.blob(), "drawing.png");
      } else if (pad && "needsDrawing" in form.dataset && !chosen) {
        parts.errors.innerHTML = ConvLens.empty(
          form.dataset.needsDrawing || "Draw one letter or digit on the pad first.");
        return;
      }
      ConvLens.send(form, data, parts);
    });
  }
  function wireAll() { document.querySelectorAll("form[data-send]:not([data-wired])").forEach(wire); }
  wireAll();
  document.addEventListener("htmx:after:settle", wireAll);
})();
