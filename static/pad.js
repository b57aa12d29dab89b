// The drawing pad, the one every page with a pad uses (home, compare, the lesson's chapter 12):
// mouse, finger and pen alike; strokes are kept, so Undo redraws all but the last.
(function () {
  "use strict";
  var ConvLens = window.ConvLens = window.ConvLens || {};

  // ConvLens.pad(canvas, options): options.width() is the brush width in canvas pixels,
  // options.started() runs when a stroke begins, options.changed() after every change.
  ConvLens.pad = function (canvas, options) {
    var ctx = canvas.getContext("2d");
    var strokes = [], current = null;
    var changed = options.changed || function () {};

    function paper() {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    }
    function draw(s) {
      ctx.strokeStyle = "#000";
      ctx.fillStyle = "#000";
      ctx.lineWidth = s.width;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.beginPath();
      if (s.points.length === 1) {
        ctx.arc(s.points[0][0], s.points[0][1], s.width / 2, 0, 2 * Math.PI);
        ctx.fill();
        return;
      }
      ctx.moveTo(s.points[0][0], s.points[0][1]);
      for (var i = 1; i < s.points.length; i++) ctx.lineTo(s.points[i][0], s.points[i][1]);
      ctx.stroke();
    }
    function redraw() {
      paper();
      strokes.forEach(draw);
    }
    function point(e) {
      var box = canvas.getBoundingClientRect();
      return [(e.clientX - box.left) * canvas.width / box.width,
              (e.clientY - box.top) * canvas.height / box.height];
    }
    canvas.addEventListener("pointerdown", function (e) {
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      current = { width: options.width(), points: [point(e)] };
      strokes.push(current);
      if (options.started) options.started();
      draw(current);
      changed();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!current) return;
      var events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
      var from = current.points[current.points.length - 1];
      events.forEach(function (ev) { current.points.push(point(ev)); });
      // only the new piece is drawn (round joins make the pieces one smooth line)
      draw({ width: current.width, points: [from].concat(current.points.slice(-events.length)) });
      changed();
    });
    function end() { current = null; changed(); }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    paper();

    return {
      empty: function () { return !strokes.length; },
      undo: function () { strokes.pop(); redraw(); changed(); },
      clear: function () { strokes = []; redraw(); changed(); },
      // The drawing as a PNG, at once: toBlob may wait for the browser to be idle (up to a
      // second in Chromium), while toDataURL encodes a 280x280 pad in about a millisecond.
      blob: function () {
        var bytes = atob(canvas.toDataURL("image/png").split(",")[1]);
        var data = new Uint8Array(bytes.length);
        for (var i = 0; i < bytes.length; i++) data[i] = bytes.charCodeAt(i);
        return new Blob([data], { type: "image/png" });
      },
    };
  };
})();
