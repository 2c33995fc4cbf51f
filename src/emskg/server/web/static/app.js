// emskg pages: small conveniences on top of plain forms (everything also works without JS).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Start page: open the chosen question directly.
  const picker = document.getElementById("query-picker");
  if (picker) {
    picker.addEventListener("submit", (event) => {
      event.preventDefault();
      const name = document.getElementById("query-select").value;
      window.location.href = "/ui/queries/" + name.split("/").map(encodeURIComponent).join("/");
    });
  }

  // Declaration upload: pick the format from the file name.
  const file = document.getElementById("declaration-file");
  if (file) {
    file.addEventListener("change", () => {
      const name = file.files.length ? file.files[0].name.toLowerCase() : "";
      const formats = { ".ttl": "turtle", ".jsonld": "jsonld", ".json": "jsonld", ".nt": "nt", ".rdf": "rdfxml" };
      for (const [ext, fmt] of Object.entries(formats)) {
        if (name.endsWith(ext)) document.getElementById("declaration-format").value = fmt;
      }
    });
  }
});
