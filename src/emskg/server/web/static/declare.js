// The declaration form (/ui/declare): builds JSON-LD from the fields (each names the sh:path it fills),
// validates it as the person types (debounced POST /validate), downloads and opens declarations
// (POST /convert). No library, no inline script: the page's Content-Security-Policy allows only this file.
(function () {
  "use strict";
  const root = document.getElementById("declaration-root");
  if (!root) return;
  const form = document.getElementById("declare-form");
  const report = document.getElementById("gap-report");
  const status = document.getElementById("form-status");
  const XSD = root.dataset.xsd;  // namespaces come from the page (static files name no URL)
  const RDF_TYPE = root.dataset.rdfType;
  const BASE = "urn:emskg:form:";
  const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

  const fieldsOf = (part) => Array.from(part.querySelectorAll(".field")).filter((f) => f.closest(".part") === part);
  const local = (iri) => iri.split(/[#/]/).pop();
  const headers = (type) => {
    const h = { "Content-Type": type };
    const token = document.getElementById("token");
    if (token && token.value) h.Authorization = "Bearer " + token.value;
    return h;
  };

  // --- the form as JSON-LD ------------------------------------------------------------------------
  function build() {
    const graph = [];
    function part(el, id) {
      const node = { "@id": id };
      if (el.dataset.class) node["@type"] = [el.dataset.class];
      let filled = false;
      for (const f of fieldsOf(el)) {
        const path = f.dataset.path, kind = f.dataset.kind, many = f.hasAttribute("data-many");
        const values = [];
        if (kind === "node") {
          const parts = many ? f.querySelectorAll(":scope > .items > .part") : f.querySelectorAll(":scope > .part");
          parts.forEach((p, i) => {
            const child = id + "-" + local(path) + (many ? "-" + (i + 1) : "");
            if (part(p, child)) values.push({ "@id": child });
          });
        } else if (kind === "choice") {
          f.querySelectorAll(".value").forEach((input) => {
            const on = input.type === "checkbox" ? input.checked : input.value !== "";
            if (!on) return;
            values.push(f.dataset.datatype ? { "@value": input.value, "@type": f.dataset.datatype } : { "@id": input.value });
          });
        } else {
          const text = f.querySelector(".value").value.trim();
          if (text) {
            if (kind === "number") values.push({ "@value": text, "@type": XSD + "decimal" });
            else if (kind === "date") values.push({ "@value": text, "@type": XSD + "date" });
            else if (f.dataset.datatype && !f.dataset.datatype.endsWith("langString")) values.push({ "@value": text, "@type": f.dataset.datatype });
            else values.push({ "@value": text, "@language": "en" });
          }
        }
        if (values.length) { node[path] = values; filled = true; }
      }
      if (filled || el === root) graph.push(node);
      return filled;
    }
    part(root, BASE + "system");
    return graph;
  }

  // --- the gap report -----------------------------------------------------------------------------
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function show(doc) {
    report.replaceChildren(el("h2", "Gap report"));
    const file = doc.files[0];
    if (file.error) { report.append(el("p", file.error, "error")); return; }
    const violations = file.results.filter((r) => r.severity === "Violation");
    const verdict = el("p", violations.length ? violations.length + " gap" + (violations.length === 1 ? "" : "s") + " to close"
      : "Conforms to the report's framework", violations.length ? "verdict bad" : "verdict ok");
    verdict.id = "gap-verdict";
    report.append(verdict);
    const list = el("ol", undefined, "gaps");
    list.id = "gap-list";
    const ordered = file.results.slice().sort((a, b) => (a.severity === "Violation" ? 0 : 1) - (b.severity === "Violation" ? 0 : 1));
    for (const r of ordered) {
      const item = el("li", undefined, "result " + r.severity.toLowerCase());
      item.dataset.shape = r.sourceShape;
      item.append(el("span", r.severity, "badge sev-" + r.severity.toLowerCase()), el("span", " " + r.message, "message"));
      if (r.suggestions.length) {
        const fill = el("ul", undefined, "fill");
        for (const s of r.suggestions) {
          const li = el("li");
          li.append(el("strong", s.label), el("span", " (" + s.sourceLabel + ")", "muted"), el("blockquote", "“" + s.why + "”"));
          fill.append(li);
        }
        item.append(el("div", "Initiatives that would fill this gap:", "small"), fill);
      }
      list.append(item);
    }
    report.append(list);
  }

  let timer = null, seq = 0;
  async function check() {
    const mine = ++seq;
    status.textContent = "checking…";
    try {
      const r = await fetch("/validate?name=declaration", { method: "POST", headers: headers("application/ld+json"),
                                                            body: JSON.stringify(build()) });
      const doc = await r.json();
      if (mine !== seq) return;  // a newer check is on its way
      if (!r.ok) { report.replaceChildren(el("h2", "Gap report"), el("p", doc.error, "error")); status.textContent = ""; return; }
      show(doc);
      status.textContent = "checked";
      status.dataset.checks = String(mine);
    } catch (e) {
      status.textContent = "could not check: " + e;
    }
  }
  const later = () => { clearTimeout(timer); timer = setTimeout(check, 600); };
  form.addEventListener("input", later);
  form.addEventListener("change", later);

  // --- repeatable parts (objectives) --------------------------------------------------------------
  function addItem(field) {
    const tpl = field.querySelector(":scope > template");
    const item = tpl.content.firstElementChild.cloneNode(true);
    const items = field.querySelector(":scope > .items");
    const n = items.children.length + 1;
    item.querySelectorAll("[id]").forEach((e) => { e.id = e.id + "-" + n; });
    item.querySelectorAll("label[for]").forEach((e) => { e.htmlFor = e.htmlFor + "-" + n; });
    const remove = el("button", "Remove", "secondary remove-item");
    remove.type = "button";
    remove.addEventListener("click", () => { item.remove(); later(); });
    item.append(remove);
    items.append(item);
    return item;
  }
  document.querySelectorAll(".add-item").forEach((b) => b.addEventListener("click", () => { addItem(b.closest(".field")); later(); }));

  // --- download and open --------------------------------------------------------------------------
  document.querySelectorAll("button.download").forEach((b) => b.addEventListener("click", async () => {
    const to = b.dataset.to;
    const r = await fetch("/convert?to=" + to, { method: "POST", headers: headers("application/ld+json"), body: JSON.stringify(build()) });
    if (!r.ok) { status.textContent = (await r.json()).error; return; }
    const url = URL.createObjectURL(await r.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = "declaration." + ({ turtle: "ttl", jsonld: "jsonld", xlsx: "xlsx" })[to];
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    status.textContent = "downloaded " + a.download;
  }));

  function reset() {
    root.querySelectorAll(".items").forEach((i) => i.replaceChildren());
    root.querySelectorAll(".value").forEach((v) => { if (v.type === "checkbox") v.checked = false; else v.value = ""; });
  }

  function fill(graph) {
    const byId = {};
    for (const n of graph) {
      const node = byId[n["@id"]] || (byId[n["@id"]] = { "@id": n["@id"] });
      for (const [k, v] of Object.entries(n)) if (k !== "@id") node[k] = (node[k] || []).concat(v);
    }
    const cls = root.dataset.class;
    const types = (n) => (n["@type"] || []).concat((n[RDF_TYPE] || []).map((v) => v["@id"]));
    const system = Object.values(byId).find((n) => types(n).includes(cls));
    if (!system) throw new Error("the file declares no management system");
    reset();
    (function part(el, node) {
      for (const f of fieldsOf(el)) {
        const values = node[f.dataset.path] || [];
        const kind = f.dataset.kind;
        if (kind === "node") {
          const targets = values.map((v) => byId[v["@id"]]).filter(Boolean);
          if (f.hasAttribute("data-many")) targets.forEach((t) => part(addItem(f), t));
          else if (targets.length) part(f.querySelector(":scope > .part"), targets[0]);
        } else if (kind === "choice") {
          const wanted = new Set(values.map((v) => v["@id"] || v["@value"]));
          f.querySelectorAll(".value").forEach((input) => {
            if (input.type === "checkbox") input.checked = wanted.has(input.value);
            else input.value = values.length ? (values[0]["@id"] || values[0]["@value"]) : "";
          });
        } else if (values.length) {
          f.querySelector(".value").value = values[0]["@value"];
        }
      }
    })(root, system);
  }

  document.getElementById("open-file").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    const name = file.name.toLowerCase();
    const type = name.endsWith(".xlsx") ? XLSX : (name.endsWith(".jsonld") || name.endsWith(".json")) ? "application/ld+json" : "text/turtle";
    const r = await fetch("/convert?to=jsonld", { method: "POST", headers: headers(type), body: await file.arrayBuffer() });
    const doc = await r.json();
    if (!r.ok) { status.textContent = doc.error; return; }
    try { fill(doc); status.textContent = "opened " + file.name; check(); } catch (e) { status.textContent = String(e.message || e); }
  });
})();
