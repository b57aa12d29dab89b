// The learn page's set builder: draw an example on the pad and add it to a class, upload pictures
// into a class, see each class's drawings as thumbnails and delete one; Start training sends
// them all. Without scripts the form still works: names and uploads only.
(function () {
  "use strict";
  var form = document.getElementById("teach");
  if (!form) return;
  var ConvLens = window.ConvLens;
  var canvas = document.getElementById("learn-pad");
  var pad = ConvLens.pad(canvas, { width: function () { return canvas.width / 15; } });
  var rows = Array.prototype.slice.call(form.querySelectorAll(".teach-class"));
  var addTo = document.getElementById("add-to");
  var errors = form.querySelector(".form-error");
  var drawn = rows.map(function () { return []; });

  function name(row) {
    return rows[row].querySelector("input[name=class]").value.trim() || "class " + (row + 1);
  }
  function show(row) {
    var list = rows[row].querySelector(".thumbs");
    list.innerHTML = "";
    drawn[row].forEach(function (blob, i) {
      var item = document.createElement("li");
      var img = document.createElement("img");
      img.src = URL.createObjectURL(blob);
      img.width = 42; img.height = 42;
      img.alt = name(row) + " drawing " + (i + 1);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "quiet delete";
      remove.textContent = "×";
      remove.setAttribute("aria-label", "Delete " + img.alt);
      remove.addEventListener("click", function () { drawn[row].splice(i, 1); show(row); });
      item.append(img, remove);
      list.append(item);
    });
    var n = drawn[row].length;
    rows[row].querySelector(".count").textContent =
      n ? n + (n === 1 ? " drawing" : " drawings") + (n < 3 ? ": draw " + (3 - n) + " more" : "") : "";
    addTo.options[row].textContent = name(row);
  }
  function reveal(row) {
    rows[row].hidden = false;
    addTo.options[row].hidden = false;
  }
  rows.forEach(function (fieldset, row) {
    if ("extra" in fieldset.dataset) fieldset.hidden = true;
    var upload = fieldset.querySelector("input[type=file]");
    upload.addEventListener("change", function () {
      Array.prototype.forEach.call(upload.files, function (f) { drawn[row].push(f); });
      upload.value = "";
      show(row);
    });
    fieldset.querySelector("input[name=class]").addEventListener("input", function () { show(row); });
    show(row);
  });
  document.getElementById("more").addEventListener("click", function () {
    var next = rows.findIndex(function (r) { return r.hidden; });
    if (next < 0) return;
    reveal(next);
    rows[next].querySelector("input[name=class]").focus();
    if (rows.every(function (r) { return !r.hidden; })) this.hidden = true;
  });
  document.getElementById("undo").addEventListener("click", pad.undo);
  document.getElementById("clear").addEventListener("click", pad.clear);
  document.getElementById("add").addEventListener("click", function () {
    if (pad.empty()) {
      errors.innerHTML = ConvLens.empty("Draw one example on the pad, then add it to a class.");
      return;
    }
    errors.innerHTML = "";
    var row = Number(addTo.value);
    drawn[row].push(pad.blob());
    pad.clear();
    show(row);
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var data = new FormData(form);
    rows.forEach(function (fieldset, row) {
      data.delete("class-" + row);
      drawn[row].forEach(function (blob) { data.append("class-" + row, blob, "drawing.png"); });
    });
    ConvLens.send(form, data, { errors: errors });
  });
})();
