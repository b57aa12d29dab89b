// Presenter mode: a clicker's keys (PageDown, PageUp, arrows, space) step Next and Back.
(function () {
  "use strict";
  var NEXT = { PageDown: 1, ArrowRight: 1, ArrowDown: 1, " ": 1 };
  var BACK = { PageUp: 1, ArrowLeft: 1, ArrowUp: 1 };
  window.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var target = e.target;
    // fields take their own keys, and so do a chapter's window and picture
    if (target.closest && target.closest("input, textarea, select, #walk, .pick-pixel, .pick, [data-arrows], [data-roving]")) return;
    var rel = NEXT[e.key] ? "next" : BACK[e.key] ? "prev" : null;
    if (!rel) return;
    var link = document.querySelector("a[rel=" + rel + "]");
    e.preventDefault();
    e.stopImmediatePropagation();
    if (link) link.click();
  }, true);
})();
