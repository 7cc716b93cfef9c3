// Progressive enhancement for the dashboard; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Switching organization or project shows it at once.
  for (const sel of document.querySelectorAll("nav.switch select")) {
    sel.addEventListener("change", () => {
      if (sel.name === "org") {
        const p = sel.form.querySelector("select[name=project]");
        if (p) p.disabled = true; // the new organization's first project
      }
      sel.form.submit();
    });
  }
});
