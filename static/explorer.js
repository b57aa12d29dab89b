// The run page: pick a cell (click, tap, or arrow keys + Enter), arrow keys step, Play steps alone.
(function () {
  "use strict";
  var PLAY_MS = 1600;
  var timer = null;

  function explorer() { return document.getElementById("explorer"); }

  function go(cell) {
    var root = explorer();
    var url = new URL(root.dataset.page, location.href);  // the page's mode is in its query
    var params = url.searchParams;
    params.set("step", document.getElementById("steps").dataset.step);
    if (cell) params.set("cell", cell);
    if (root.dataset.scale === "map") params.set("scale", "map");
    if (root.dataset.colours !== "viridis") params.set("colours", root.dataset.colours);
    url = url.pathname + url.search;
    htmx.ajax("GET", url, { target: "#explorer", swap: "outerHTML", push: url });
  }

  function cellAt(pick, e) {
    var box = pick.getBoundingClientRect();
    var rows = Number(pick.dataset.rows), cols = Number(pick.dataset.cols);
    var y = Math.min(rows - 1, Math.floor((e.clientY - box.top) / box.height * rows));
    var x = Math.min(cols - 1, Math.floor((e.clientX - box.left) / box.width * cols));
    return [pick.dataset.stage, pick.dataset.map, Math.max(y, 0), Math.max(x, 0)].join(".");
  }

  // A keyboard cursor on a map: arrows move it, Enter selects the cell under it.
  function cursor(pick) {
    var rect = pick.querySelector("rect.cursor");
    if (!rect) {
      rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      rect.setAttribute("class", "cursor");
      rect.setAttribute("width", "1");
      rect.setAttribute("height", "1");
      var chosen = pick.querySelector("rect.cell");
      rect.setAttribute("x", chosen ? chosen.getAttribute("x") : "0");
      rect.setAttribute("y", chosen ? chosen.getAttribute("y") : "0");
      pick.querySelector("svg").appendChild(rect);
    }
    return rect;
  }

  // A picked cell's explanation opens in view on a phone (below its stage's maps, it would be
  // off-screen); closing it (its Close link, or Escape) gives focus back to the cell's map.
  var explaining = false;
  function closing() {
    var cell = new URLSearchParams(location.search).get("cell");
    if (cell) sessionStorage.setItem("convlens-focus", cell.split(".").slice(0, 2).join(".") + ".back");
  }
  function showExplanation() {
    var aside = document.querySelector("aside.explain");
    if (!aside || !window.matchMedia("(max-width: 899px)").matches) return;
    var bar = document.getElementById("steps");
    var top = aside.getBoundingClientRect().top + window.scrollY - (bar ? bar.offsetHeight : 0) - 8;
    window.scrollTo({ top: Math.max(0, top), behavior: "auto" });
  }

  document.addEventListener("click", function (e) {
    if (e.target.closest("aside.explain a.close")) { closing(); return; }
    var pick = e.target.closest(".pick[data-stage]");
    if (pick) {
      sessionStorage.setItem("convlens-focus", pick.dataset.stage + "." + pick.dataset.map);
      explaining = true;
      go(cellAt(pick, e));
      return;
    }
    var cell = e.target.closest("[data-cell]");
    if (cell && explorer()) { explaining = true; go(cell.dataset.cell); return; }
    var play = e.target.closest("button.play");
    if (play) toggle();
    var copy = e.target.closest("[data-copy]");
    if (copy) {
      var field = document.getElementById(copy.dataset.copy);
      field.select();
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(function () { copy.textContent = "Copied"; });
    }
  });

  // One step at a time: keys pressed while a step is loading are kept, in order, and each is
  // taken once the new navigation has settled (so it clicks the new Next, never the old one).
  var busy = false, queued = [], safety = null, clicked = null;
  function ready() {
    busy = false;
    clearTimeout(safety);
    if (queued.length) setTimeout(takeQueued, 0);
  }
  function takeQueued() {
    // wait until htmx has taken charge of the new links, or the click would load a whole page
    var link = document.querySelector('#steps a[rel="' + queued[0] + '"]');
    if (link && !link.hasAttribute("data-htmx-powered")) { setTimeout(takeQueued, 20); return; }
    if (!busy && queued.length) step(queued.shift());
  }
  document.addEventListener("htmx:after:settle", function () {
    if (busy && clicked && !clicked.isConnected) ready();  // the nav it came from is replaced
  });
  document.addEventListener("htmx:error", function () { if (busy) ready(); });
  function step(rel) {
    var link = document.querySelector('#steps a[rel="' + rel + '"]');
    if (link && (busy || !link.hasAttribute("data-htmx-powered"))) {
      queued.push(rel);
      if (!busy && queued.length === 1) setTimeout(takeQueued, 20);
      return true;
    }
    if (link) {
      busy = true;
      clicked = link;
      safety = setTimeout(ready, 10000);  // never stay stuck if the step never settles
      link.click();
    }
    return !!link;
  }

  function toggle() {
    if (timer) { clearInterval(timer); timer = null; }
    else {
      step("next");
      timer = setInterval(function () { if (!step("next")) toggle(); }, PLAY_MS);
    }
    syncPlay();
  }
  function syncPlay() {
    var play = document.querySelector("button.play");
    if (!play) return;
    play.setAttribute("aria-pressed", timer ? "true" : "false");
    play.textContent = timer ? "Pause" : "Play";
  }

  document.addEventListener("keydown", function (e) {
    if (!explorer() || e.altKey || e.ctrlKey || e.metaKey) return;
    var t = e.target;
    if (t.closest && t.closest("input, select, textarea")) return;
    var pick = t.closest && t.closest(".pick[data-stage]");
    if (pick) {
      var rect = cursor(pick);
      var x = Number(rect.getAttribute("x")), y = Number(rect.getAttribute("y"));
      var moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
      if (moves[e.key]) {
        e.preventDefault();
        y = Math.max(0, Math.min(Number(pick.dataset.rows) - 1, y + moves[e.key][0]));
        x = Math.max(0, Math.min(Number(pick.dataset.cols) - 1, x + moves[e.key][1]));
        rect.setAttribute("x", x); rect.setAttribute("y", y);
        // the label says where the cursor is, so a screen reader follows it
        pick.setAttribute("aria-label", pick.dataset.label + ", row " + y + ", column " + x +
          ": Enter explains this cell");
        return;
      }
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        sessionStorage.setItem("convlens-focus", pick.dataset.stage + "." + pick.dataset.map);
        explaining = true;
        go([pick.dataset.stage, pick.dataset.map, y, x].join("."));
        return;
      }
    }
    var open = document.querySelector("aside.explain a.close");
    if (e.key === "Escape" && open) { e.preventDefault(); closing(); open.click(); return; }
    if ((e.key === "Enter" || e.key === " ") && t.matches && t.matches("td[data-cell]")) {
      e.preventDefault(); explaining = true; go(t.dataset.cell); return;
    }
    if (e.key === "ArrowRight" && step("next")) e.preventDefault();
    else if (e.key === "ArrowLeft" && step("prev")) e.preventDefault();
    else if (e.key === " " && !t.closest("a, button")) { e.preventDefault(); toggle(); }
  });

  // The share form sends the place the person is at now (they may have stepped since the page
  // was built): the step, the selected cell, the colour scale and scheme, from the address bar.
  document.addEventListener("submit", function (e) {
    var form = e.target.closest && e.target.closest(".share form");
    if (!form) return;
    var here = new URLSearchParams(location.search);
    form.elements.step.value = here.get("step") || "0";
    form.elements.cell.value = here.get("cell") || "";
    form.elements.scale.value = here.get("scale") || "stage";
    form.elements.colours.value = here.get("colours") || "viridis";
  }, true);

  // Next, Back, Play and the arrow keys all click a step link: note where it goes, and once the
  // new stage is on the page bring it into view (below the sticky steps bar) and focus its heading,
  // so the eye and a screen reader land on it.
  var goingTo = null;
  // Show all lands on the verdict; a change of colours or scale comes back to the stage shown.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest(
      '#steps a[rel="next"], #steps a[rel="prev"], #steps a.show-all, #look a, .washed a');
    if (!link) return;
    var step = new URL(link.href, location.href).searchParams.get("step");
    if (link.classList.contains("show-all")) goingTo = "prediction";
    else if (link.dataset.stage) goingTo = link.dataset.stage;
    else goingTo = step;
  }, true);
  function bringIntoView(noFocus) {
    var stage = goingTo === null ? null : document.getElementById("stage-" + goingTo);
    if (goingTo === "prediction") {  // the verdict, or the last stage when there is none
      var verdict = document.getElementById("prediction");
      var stages = document.querySelectorAll("li.stage");
      stage = verdict && !verdict.hidden ? verdict : stages[stages.length - 1];
    }
    if (!stage) return;
    goingTo = null;
    var bar = document.getElementById("steps");
    var top = stage.getBoundingClientRect().top + window.scrollY - (bar ? bar.offsetHeight : 0) - 8;
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    window.scrollTo({ top: Math.max(0, top), behavior: still ? "auto" : "smooth" });
    if (!noFocus) stage.querySelector("h2").focus({ preventScroll: true });
  }

  // A link opened at a later stage (a shared one, say) opens there: at the picked cell's stage,
  // else at the stage it asks for.
  if (explorer()) {
    var asked = new URLSearchParams(location.search);
    var cellAsked = asked.get("cell");
    goingTo = cellAsked ? cellAsked.split(".")[0] : asked.get("step");
    if (goingTo === "0") goingTo = null;
    if (goingTo !== null) bringIntoView(window.self !== window.top);  // an embed takes no focus
  }

  // After a swap, keep Play's label right, bring a stepped-to stage into view, and give focus back
  // to the map that was picked.
  document.addEventListener("htmx:after:settle", function () {
    syncPlay();
    // after every swap of this step has settled (the new steps bar may be taller than the old)
    if (goingTo !== null) requestAnimationFrame(function () { bringIntoView(); });
    if (explaining) { explaining = false; requestAnimationFrame(showExplanation); }
    var key = sessionStorage.getItem("convlens-focus");
    if (!key) return;
    sessionStorage.removeItem("convlens-focus");
    var parts = key.split(".");
    var pick = document.querySelector('.pick[data-stage="' + parts[0] + '"][data-map="' + parts[1] + '"]');
    // back from an explanation: the map comes into view with its focus; else it stays put
    if (pick) pick.focus({ preventScroll: parts[2] !== "back" });
  });
})();
