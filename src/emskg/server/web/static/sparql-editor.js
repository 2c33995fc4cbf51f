// The SPARQL editor page: start YASGUI on this server's endpoint, offline (see web/sparql_editor.py).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("yasgui");
  const source = document.getElementById("yasgui-config");
  if (!root || !source || !window.Yasgui) return;
  const config = JSON.parse(source.textContent);
  const endpoint = new URL(config.endpoint, window.location.href).href;
  const local = () => [{ endpoint }];
  window.Yasgui.Yasqe.defaults.autocompleters = ["variables"]; // the others ask prefix.cc and LOV
  const yasgui = new window.Yasgui(root, {
    requestConfig: { endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: local, keys: [] },
    copyEndpointOnNewTab: true,
    corsProxy: undefined,
    persistenceId: null,
    populateFromUrl: false,
    autoAddOnInit: false,
    yasqe: { autocompleters: ["variables"], createShortLink: undefined, consumeShareLink: null,
             prefixCcApi: undefined, showQueryButton: true },
    yasr: { prefixes: config.prefixes },
  });
  let first = null;
  config.tabs.forEach((tab, i) => {
    const t = yasgui.addTab(i === 0, { name: tab.name, yasqe: { value: tab.query },
                                      requestConfig: { endpoint, method: "POST" } });
    if (i === 0) first = t;
  });
  if (first) {
    yasgui.selectTabId(first.getId());
    if (config.run) first.query();
  }
  window.emskgYasgui = yasgui; // for the browser tests
});
