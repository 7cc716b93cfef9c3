// Progressive enhancement for the dashboard; every page works without it.
"use strict";

function bind(root) {
  // Switching organization or project shows it at once.
  for (const sel of root.querySelectorAll("nav.switch select")) {
    sel.addEventListener("change", () => {
      if (sel.name === "org") {
        const p = sel.form.querySelector("select[name=project]");
        if (p) p.disabled = true; // the new organization's first project
      }
      sel.form.submit();
    });
  }
}

// live keeps the page current: the server sends "changed" on the page's
// event stream when what it shows has changed, and the page's <main> is
// fetched again and swapped in. A lost stream says so.
function live() {
  const meta = document.querySelector("meta[name=pakyas-events]");
  if (!meta || !window.EventSource) return;
  const stale = document.getElementById("stale");
  const es = new EventSource(meta.content);
  let busy = false, again = false;
  es.addEventListener("open", () => { stale.hidden = true; });
  es.addEventListener("error", () => { stale.hidden = false; });
  es.addEventListener("changed", async function refresh() {
    // A change while the page is being fetched is fetched after it.
    if (busy) { again = true; return; }
    busy = true;
    again = false;
    try {
      const r = await fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } });
      if (!r.ok) { stale.hidden = false; return; }
      const doc = new DOMParser().parseFromString(await r.text(), "text/html");
      const fresh = doc.querySelector("main");
      const main = document.querySelector("main");
      if (fresh && main && !main.contains(document.activeElement)) {
        main.replaceWith(fresh);
        bind(fresh);
      } else if (fresh && main) {
        // Someone is typing in a form: update everything else.
        const table = main.querySelector("table.checks, ol.timeline");
        const next = fresh.querySelector("table.checks, ol.timeline");
        if (table && next) table.replaceWith(next);
      }
      stale.hidden = true;
    } catch (e) {
      stale.hidden = false;
    } finally {
      busy = false;
      if (again) refresh();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  bind(document);
  live();
});
