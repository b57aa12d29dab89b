// Build your own, in place: each edit re-runs the chosen picture through the pipeline being built
// (debounced; one request at a time) and shows every stage and the verdict beside the editor,
// the stages the edit changed marked and said; "Start from the slides" loads the slides' own
// pipeline into the fields.
(function () {
  "use strict";
  var form = document.getElementById("start");
  var build = document.getElementById("build");
  if (!form || !build || !window.ConvLens || !ConvLens.startData) return;
  var out = document.getElementById("build-result");
  var panel = out.closest(".build-result");
  var said = document.getElementById("build-said");
  var WAIT = 300;  // ms of quiet after the last keystroke before the preview runs
  var timer = null, inFlight = false, again = false, shown = null;

  function schedule() {
    if (!build.open) return;
    clearTimeout(timer);
    timer = setTimeout(preview, WAIT);
  }
  function preview() {
    if (inFlight) { again = true; return; }
    var data = ConvLens.startData();
    if (!data) { out.innerHTML = ConvLens.empty(ConvLens.startEmpty); shown = null; return; }
    data.set("preset", "custom");
    var action = new URL(form.action, location.href);
    action.searchParams.set("live", "build");  // counted as a live update, never against Run
    inFlight = true;
    panel.setAttribute("aria-busy", "true");
    ConvLens.send(form, data, { result: out, errors: out, quiet: true, action: action.href,
                                done: function (ok) {
      inFlight = false;
      panel.removeAttribute("aria-busy");
      if (ok) mark(); else { shown = null; said.textContent = out.textContent.trim(); }
      if (again) { again = false; preview(); }
    } });
  }

  // Which stages the edit changed: each stage's picture against the one shown before it.
  function mark() {
    var now = {}, changed = [];
    out.querySelectorAll(".build-stage").forEach(function (li) {
      var src = li.querySelector("img").getAttribute("src");
      now[li.dataset.stage] = src;
      if (shown && shown[li.dataset.stage] !== src) {
        li.classList.add("changed");
        changed.push(li.querySelector(".build-name").firstChild.textContent.trim());
      }
    });
    var verdict = out.querySelector(".build-verdict").textContent.replace(/\s+/g, " ").trim();
    var what = !shown ? "" : changed.length ? "Changed: " + changed.join(", ") + ". " : "No stage changed. ";
    said.textContent = what + verdict;
    shown = now;
    var first = out.querySelector(".build-stage.changed");
    if (first && (first.offsetTop < panel.scrollTop ||
                  first.offsetTop + first.offsetHeight > panel.scrollTop + panel.clientHeight)) {
      panel.scrollTop = first.offsetTop - out.offsetTop;
    }
  }

  build.addEventListener("input", schedule);
  build.addEventListener("change", schedule);
  build.addEventListener("toggle", function () { if (build.open) preview(); });
  form.addEventListener("change", function (e) {  // another picture
    if (["source", "example", "image"].indexOf(e.target.name) >= 0) schedule();
  });
  form.addEventListener("picture", schedule);  // the drawing changed
  document.addEventListener("htmx:after:settle", function (e) {  // the kernel editor resized
    if (build.contains(e.target)) schedule();
  });

  document.getElementById("from-slides").addEventListener("click", function (e) {
    var fields = JSON.parse(e.currentTarget.dataset.fields);
    Object.keys(fields).forEach(function (name) {
      var value = fields[name];
      build.querySelectorAll('[name="' + name + '"]').forEach(function (field) {
        if (field.type === "checkbox") {
          field.checked = Array.isArray(value) ? value.indexOf(field.value) >= 0 : value === true;
        } else {
          field.value = value;
        }
      });
    });
    build.dispatchEvent(new Event("change"));  // picks "Build your own", and runs it
  });
})();
