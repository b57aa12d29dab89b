// The lesson: move a chapter's window (arrow keys, tap, drag) and read a pixel (chapter 1).
// Its forms, chapter 12's pad among them, are sent by send.js.
(function () {
  "use strict";
  var busy = false;
  var refocus = null;  // where the focus goes back to once the chapter is swapped (a selector)

  // the chapter swapped for the one at href, one at a time; then the focus on ``focus``, if given
  function swapChapter(href, focus) {
    busy = true;
    refocus = focus || null;
    htmx.ajax("GET", href, { target: "#chapter", swap: "outerHTML", push: href });
  }

  function moveWindow(row, col, focus) {
    var walk = document.getElementById("walk");
    if (!walk || busy) return;
    if (String(row) === walk.dataset.row && String(col) === walk.dataset.col) return;
    var link = walk.querySelector(".arrows a");
    var url = new URL(link.getAttribute("href"), location.href);
    url.searchParams.set("row", row);
    url.searchParams.set("col", col);
    swapChapter(url.pathname + url.search, focus);
  }

  document.addEventListener("htmx:after:settle", function () {
    busy = false;
    var again = refocus && document.querySelector(refocus);
    refocus = null;
    if (again) {
      var grid = again.closest("[data-roving]");  // a grid's one tab stop follows the focus
      if (grid) grid.querySelectorAll("a[tabindex='0']").forEach(function (a) { a.tabIndex = -1; });
      if (grid) again.tabIndex = 0;
      again.focus({ preventScroll: true });
    }
    var said = document.getElementById("moved-said");  // chapter 6: what the move did, in view
    if (said) said.scrollIntoView({ block: "nearest" });
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
    moveWindow(row, col, "#walk");
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
    var every = Number(box.dataset.every || 1);  // a big picture is sampled: its place in the whole
    var pick = box.querySelector(".pick-pixel"), mark = pick.querySelector(".cursor");
    var readout = box.querySelector(".readout");
    var at = [0, 0];
    function show(y, x) {
      at = [y, x];
      var p = values[y * w + x];
      readout.innerHTML = "Row " + y * every + ", column " + x * every + ": red <b>" + p[0] + "</b>, green <b>" +
        p[1] + "</b>, blue <b>" + p[2] + "</b>";
      mark.hidden = false;
      mark.style.left = (x / w * 100) + "%"; mark.style.top = (y / h * 100) + "%";
      mark.style.width = (100 / w) + "%"; mark.style.height = (100 / h) + "%";
    }
    function under(e) {  // the pixel under a pointer, a finger's tap or its drag
      var r = pick.getBoundingClientRect();
      var x = Math.min(w - 1, Math.max(0, Math.floor((e.clientX - r.left) / r.width * w)));
      var y = Math.min(h - 1, Math.max(0, Math.floor((e.clientY - r.top) / r.height * h)));
      show(y, x);
    }
    pick.addEventListener("pointermove", under);
    pick.addEventListener("pointerdown", function (e) { e.preventDefault(); pick.focus(); under(e); });
    pick.addEventListener("keydown", function (e) {
      if (!ARROWS[e.key]) return;
      e.preventDefault();
      show(Math.min(h - 1, Math.max(0, at[0] + ARROWS[e.key][0])),
           Math.min(w - 1, Math.max(0, at[1] + ARROWS[e.key][1])));
    });
  }

  // a chapter's mover (chapter 6's X): the arrow keys press its arrow links
  var WAYS = { ArrowUp: "up", ArrowDown: "down", ArrowLeft: "left", ArrowRight: "right" };
  document.addEventListener("keydown", function (e) {
    var mover = e.target.closest && e.target.closest("[data-arrows]");
    if (!mover || !WAYS[e.key] || e.altKey || e.ctrlKey || e.metaKey || busy) return;
    var link = mover.querySelector("a." + WAYS[e.key]);
    if (!link) return;
    e.preventDefault();
    var href = link.getAttribute("href");
    if (new URL(href, location.href).search === location.search) return;  // at the edge
    swapChapter(href, "#" + mover.id);
  });

  // predict, then see: the chapter is held back (dimmed, out of reach) until the question is
  // answered right or its answer shown (by a click, or the A key in presenter mode); this tab
  // remembers the chapters answered. Nothing is sent to the server.
  var ASKED = "convlens-asked:" + location.pathname;
  function remembered() {
    try { return sessionStorage.getItem(ASKED) === "1"; } catch (err) { return false; }
  }
  function opened() {  // the chapter in reach, and the question's note saying so
    var chapter = document.getElementById("chapter"), note = document.querySelector(".ask-hold");
    document.body.classList.remove("asking");
    if (chapter) chapter.inert = false;
    if (note) note.textContent = note.dataset.open;
  }
  function release() {
    try { sessionStorage.setItem(ASKED, "1"); } catch (err) { /* private mode: not kept */ }
    opened();
  }
  function hold() {
    var chapter = document.getElementById("chapter");
    if (!chapter || !document.querySelector(".ask")) return;
    if (remembered()) { opened(); return; }
    document.body.classList.add("asking");
    chapter.inert = true;
  }
  document.addEventListener("toggle", function (e) {
    if (e.target.matches && e.target.matches(".ask .reveal") && e.target.open) release();
  }, true);
  document.addEventListener("click", function (e) {
    var choice = e.target.closest && e.target.closest(".ask .choice");
    if (!choice) return;
    var ask = choice.closest(".ask"), said = ask.querySelector(".ask-said");
    var right = choice.dataset.choice === ask.dataset.answer;
    choice.classList.add(right ? "right" : "wrong");
    choice.setAttribute("aria-pressed", "true");
    said.textContent = right ? "Right." : "Not " + choice.textContent + ": try another, or show the answer.";
    if (right) ask.querySelector(".reveal").open = true;
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "a" && e.key !== "A") return;
    if (!document.body.classList.contains("present") || e.target.closest("input, textarea, select")) return;
    var reveal = document.querySelector(".ask .reveal");
    if (reveal) reveal.open = !reveal.open;
  });

  // chapter 8: a cell of either map, pointed at or tapped, read before and after ReLU
  function readRelu(e) {
    var td = e.target.closest && e.target.closest(".relu-pair td");
    var out = document.querySelector(".relu-readout");
    if (!td || !out) return;
    var row = td.parentElement, r = row.rowIndex - 1, c = td.cellIndex - 1;  // past the headers
    var before = document.querySelector(".relu-before").rows[r + 1].cells[c + 1].textContent;
    var after = document.querySelector(".relu-after").rows[r + 1].cells[c + 1].textContent;
    out.textContent = "Row " + r + ", column " + c + ": " + before + " before ReLU, " + after +
      " after" + (before === after ? " (kept)." : " (negative, so set to 0).");
  }
  document.addEventListener("pointerover", readRelu);
  document.addEventListener("pointerdown", readRelu);

  // a grid of links (chapter 3's pixels): one tab stop; the arrow keys move among its cells, and
  // after a flip the focus comes back to the cell flipped
  document.addEventListener("keydown", function (e) {
    var link = e.target.closest && e.target.closest("[data-roving] a[data-at]");
    if (!link || !ARROWS[e.key] || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    var at = link.dataset.at.split(".").map(Number);
    var next = link.closest("[data-roving]").querySelector('a[data-at="' +
      (at[0] + ARROWS[e.key][0]) + "." + (at[1] + ARROWS[e.key][1]) + '"]');
    if (!next) return;
    link.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  });
  document.addEventListener("click", function (e) {  // a flip: htmx swaps; the focus comes back
    var link = e.target.closest && e.target.closest("[data-roving] a[data-at]");
    if (link) refocus = '[data-roving] a[data-at="' + link.dataset.at + '"]';
  });

  hold();
  setUpPixels();
})();
