// Suggests existing tags while an editor types in taggit's comma-separated
// tag field, using the admin's own autocomplete endpoint (permission-checked).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[data-tag-autocomplete]")) {
    const list = document.createElement("datalist");
    list.id = `${input.id}-suggestions`;
    input.after(list);
    input.setAttribute("list", list.id);
    let timer;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const parts = input.value.split(",");
        const term = parts.pop().trim();
        const chosen = parts.map((p) => p.trim()).filter(Boolean);
        if (!term) return;
        const url = new URL(input.dataset.tagAutocomplete, window.location.href);
        url.search = new URLSearchParams({
          term, app_label: "articles", model_name: "article", field_name: "tags",
        });
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) return;
        const data = await response.json();
        const prefix = chosen.length ? `${chosen.join(", ")}, ` : "";
        list.replaceChildren(
          ...data.results
            .filter((tag) => !chosen.includes(tag.text))
            .map((tag) => new Option(tag.text, `${prefix}${tag.text}`)),
        );
      }, 150);
    });
  }
});
