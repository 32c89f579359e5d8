/* Member search on the ens page: filters the table already in the page by name, type and
   comarca (the select options hold the exact text of the type and comarca cells). No server, no network, no dependencies; without JavaScript the full table shows. */
(function () {
  "use strict";
  var form = document.getElementById("ens-filter");
  var table = document.getElementById("ens-table");
  if (!form || !table || !table.tBodies.length) { return; }

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[\u00b7\u2019'\-]/g, " ").replace(/\s+/g, " ").trim().toLowerCase();
  }

  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var names = rows.map(function (row) { return fold(row.cells[0].textContent); });
  var name = form.querySelector("#f-nom");
  var type = form.querySelector("#f-tipus");
  var comarca = form.querySelector("#f-comarca");
  var count = document.getElementById("ens-count");
  var template = count ? count.getAttribute("data-template") : "";

  function apply() {
    var words = fold(name.value).split(" ").filter(Boolean);
    var wantType = type.value;
    var wantComarca = comarca.value;
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var ok = (!wantType || row.cells[1].textContent === wantType) &&
               (!wantComarca || row.cells[2].textContent === wantComarca);
      for (var w = 0; ok && w < words.length; w++) {
        ok = names[i].indexOf(words[w]) !== -1;
      }
      row.hidden = !ok;
      if (ok) { shown++; }
    }
    if (count) { count.textContent = template.replace("{n}", String(shown)); }
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  form.hidden = false;
  apply();
}());
