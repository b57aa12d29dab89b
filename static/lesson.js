// The lesson: move a chapter's window (arrow keys, tap, drag), read a pixel, draw a letter.
(function () {
  "use strict";
  var busy = false;
  var refocus = false;

  function moveWindow(row, col) {
    var walk = document.getElementById("walk");
    if (!walk || busy) return;
    if (String(row) === walk.dataset.row && String(col) === walk.dataset.col) return;
    var link = walk.querySelector(".arrows a");
    var url = new URL(link.getAttribute("href"), location.href);
    url.searchParams.set("row", row);
    url.searchParams.set("col", col);
    var href = url.pathname + url.search;
    busy = true;
    htmx.ajax("GET", href, { target: "#chapter", swap: "outerHTML", push: href });
  }

  document.addEventListener("htmx:after:settle", function () {
    busy = false;
    var walk = document.getElementById("walk");
    if (walk && refocus) walk.focus();
    refocus = false;
    setUpPixels();
  });
  document.addEventListener("htmx:error", function () { busy = false; });

  var ARROWS = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  document.addEventListener("keydown", function (e) {
    var walk = e.target.closest && e.target.closest("#walk");
    if (!walk || !ARROWS[e.key] || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    var side = Number(walk.dataset.side);
    var row = Math.min(side - 1, Math.max(0, Number(walk.dataset.row) + ARROWS[e.key][0]));
    var col = Math.min(side - 1, Math.max(0, Number(walk.dataset.col) + ARROWS[e.key][1]));
    refocus = true;
    moveWindow(row, col);
  });

  // tap or drag: the window follows the cell under the finger
  var dragging = false;
  function cellUnder(e) {
    var el = document.elementFromPoint(e.clientX, e.clientY);
    return el && el.closest ? el.closest(".drag td[data-row]") : null;
  }
  document.addEventListener("pointerdown", function (e) {
    var td = cellUnder(e);
    if (!td) return;
    dragging = true;
    e.preventDefault();
    moveWindow(td.dataset.row, td.dataset.col);
  });
  document.addEventListener("pointermove", function (e) {
    if (!dragging) return;
    var td = cellUnder(e);
    if (td) moveWindow(td.dataset.row, td.dataset.col);
  });
  document.addEventListener("pointerup", function () { dragging = false; });
  document.addEventListener("pointercancel", function () { dragging = false; });

  // chapter 1: the numbers of the pixel under the pointer (or the keyboard's cursor)
  function setUpPixels() {
    var box = document.querySelector(".pixels");
    if (!box || box.dataset.ready) return;
    box.dataset.ready = "1";
    var values = JSON.parse(box.dataset.pixels);
    var w = Number(box.dataset.width), h = Number(box.dataset.height);
    var pick = box.querySelector(".pick-pixel"), mark = pick.querySelector(".cursor");
    var readout = box.querySelector(".readout");
    var at = [0, 0];
    function show(y, x) {
      at = [y, x];
      var p = values[y * w + x];
      readout.innerHTML = "Row " + y + ", column " + x + ": red <b>" + p[0] + "</b>, green <b>" +
        p[1] + "</b>, blue <b>" + p[2] + "</b>";
      mark.hidden = false;
      mark.style.left = (x / w * 100) + "%"; mark.style.top = (y / h * 100) + "%";
      mark.style.width = (100 / w) + "%"; mark.style.height = (100 / h) + "%";
    }
    pick.addEventListener("pointermove", function (e) {
      var r = pick.getBoundingClientRect();
      var x = Math.min(w - 1, Math.max(0, Math.floor((e.clientX - r.left) / r.width * w)));
      var y = Math.min(h - 1, Math.max(0, Math.floor((e.clientY - r.top) / r.height * h)));
      show(y, x);
    });
    pick.addEventListener("pointerdown", function (e) { e.preventDefault(); pick.focus(); });
    pick.addEventListener("keydown", function (e) {
      if (!ARROWS[e.key]) return;
      e.preventDefault();
      show(Math.min(h - 1, Math.max(0, at[0] + ARROWS[e.key][0])),
           Math.min(w - 1, Math.max(0, at[1] + ARROWS[e.key][1])));
    });
  }

  // chapter 12: a small drawing pad whose drawing is sent as the form's picture
  // a small drawing pad (chapter 12, and "compare with" on a run): its drawing is sent as the
  // form's picture; a form that needs one (data-needs-drawing) says so when the pad is empty
  function setUpPad(pad) {
    var form = pad.closest("form");
    var ctx = pad.getContext("2d"), down = false, drawn = false;
    function paper() { ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, pad.width, pad.height); drawn = false; }
    paper();
    function point(e) {
      var r = pad.getBoundingClientRect();
      return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
    }
    pad.addEventListener("pointerdown", function (e) {
      down = true; pad.setPointerCapture(e.pointerId);
      var p = point(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]);
      ctx.lineWidth = pad.width / 15; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#000";
    });
    pad.addEventListener("pointermove", function (e) {
      if (!down) return;
      var p = point(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true;
    });
    pad.addEventListener("pointerup", function () { down = false; });
    form.querySelector(".pad-clear").addEventListener("click", paper);
    form.addEventListener("submit", function (e) {
      if (!drawn && !("needsDrawing" in form.dataset)) return;  // sent as it is, without a drawing
      e.preventDefault();
      var file = form.querySelector("input[type=file]");
      if (!drawn && file && file.files.length) { send(form, new FormData(form)); return; }
      if (!drawn) {
        form.querySelector(".form-error").innerHTML = '<div class="error" role="alert"><strong>' +
          "The drawing pad is empty</strong><p>Draw one letter or digit on the pad first.</p></div>";
        return;
      }
      pad.toBlob(function (blob) {
        var data = new FormData(form);
        data.delete("image");
        data.set("drawing", blob, "drawing.png");
        send(form, data);
      }, "image/png");
    });
    form.dataset.ready = "1";
  }

  // the lesson's forms send with fetch: a new page on success, the server's message in place
  function send(form, data) {
    var out = form.querySelector(".form-error");
    var button = form.querySelector("button[type=submit]");
    out.innerHTML = "";
    button.disabled = true;
    fetch(form.action, { method: "POST", body: data, headers: { "HX-Request": "true" } })
      .then(function (response) {
        var next = response.headers.get("HX-Location");
        if (response.ok && next) { window.location.assign(next); return null; }
        var into = response.ok ? document.getElementById(form.dataset.result) : out;
        return response.text().then(function (html) { into.innerHTML = html; });
      })
      .catch(function () {
        out.innerHTML = '<div class="error" role="alert"><strong>No answer from the server</strong>' +
          "<p>Check the connection and try again.</p></div>";
      })
      .finally(function () { button.disabled = false; });
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.classList.contains("lesson-send") || form.dataset.ready) return;
    e.preventDefault();
    send(form, new FormData(form));
  });

  setUpPixels();
  document.querySelectorAll("canvas.draw-pad").forEach(setUpPad);
})();
