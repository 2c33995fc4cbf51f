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

  // SPARQL editor: Ctrl/Cmd+Enter runs, Tab indents, example buttons fill the editor.
  const editor = document.getElementById("sparql-query");
  if (editor) {
    editor.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        editor.form.requestSubmit();
      } else if (event.key === "Tab" && !event.shiftKey) {
        event.preventDefault();
        const start = editor.selectionStart;
        editor.setRangeText("  ", start, editor.selectionEnd, "end");
      }
    });
    document.querySelectorAll("button.example").forEach((button) => {
      button.addEventListener("click", () => {
        editor.value = button.dataset.query;
        editor.focus();
      });
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
