// "Never lose a word" in the story form: autosave to the user's working copy, the
// offer to restore it, a warning before leaving with unsaved changes, and who else
// has the story open. The endpoints' addresses come from #editing-tools's data
// attributes (editing/templatetags/editing_tags.py); nothing here writes the story.
"use strict";

(() => {
  const tools = document.getElementById("editing-tools");
  const form = tools && tools.closest("form");
  if (!form) return;

  const AUTOSAVE_EVERY_MS = 5000;
  const EDITOR_WAIT_MS = 3000;
  // Fields the form manages itself, or that must never come back from a copy.
  const SKIPPED = new Set(["csrfmiddlewaretoken", "expected_version", "_transition"]);
  const SKIPPED_TYPES = new Set(["file", "password", "hidden", "submit", "button", "reset", "image"]);

  const csrfToken = form.elements.namedItem("csrfmiddlewaretoken").value;
  const urls = tools.dataset;
  const status = document.getElementById("editing-status");
  const restoreBanner = document.getElementById("editing-restore");
  const presenceBanner = document.getElementById("editing-presence");
  const offered = JSON.parse(document.getElementById("editing-working-copy").textContent);

  // Inline formset rows ("bylines-0-…") and clear checkboxes ("lead_image-clear") hold a
  // hyphen; they are left alone, as are inputs of other forms and disabled ones.
  function keptElements() {
    return Array.from(form.elements).filter(
      (el) =>
        el.name &&
        !SKIPPED.has(el.name) &&
        !el.name.includes("-") &&
        !SKIPPED_TYPES.has(el.type) &&
        !el.disabled &&
        !tools.contains(el),
    );
  }

  // The rich-text editor (django-prose-editor, Tiptap) wraps its textarea in a
  // .prose-editor element and keeps the textarea's value in step as it edits. It
  // announces itself with "prose-editor:ready"; Tiptap also stores itself on its
  // editing surface (the menu's block-type picker is a .ProseMirror element too).
  const editors = new WeakMap();
  document.addEventListener("prose-editor:ready", (event) => {
    editors.set(event.detail.textarea, event.detail.editor);
  });

  function editorOf(textarea) {
    if (editors.has(textarea)) return editors.get(textarea);
    const wrapper = textarea.closest(".prose-editor");
    const surfaces = wrapper ? wrapper.querySelectorAll(".ProseMirror") : [];
    const surface = Array.from(surfaces).find((el) => el.editor);
    return surface ? surface.editor : null;
  }

  function editorHTML(editor) {
    const html = editor.getHTML();
    return /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html;
  }

  function readFields() {
    const fields = {};
    const labels = {};
    for (const el of keptElements()) {
      if (el.type === "checkbox") {
        fields[el.name] = el.checked;
      } else if (el.type === "radio") {
        if (el.checked) fields[el.name] = el.value;
      } else if (el.type === "select-multiple") {
        const chosen = Array.from(el.selectedOptions);
        fields[el.name] = chosen.map((o) => o.value);
      } else if (el.type === "select-one") {
        fields[el.name] = el.value;
        if (el.selectedOptions.length) labels[el.name] = el.selectedOptions[0].text;
      } else if (el.tagName === "TEXTAREA" && editorOf(el)) {
        fields[el.name] = editorHTML(editorOf(el));
      } else {
        fields[el.name] = el.value;
      }
    }
    return { fields, labels };
  }

  const snapshot = () => JSON.stringify(readFields().fields);

  function fire(el) {
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function ensureOption(select, value, label) {
    if (!value || Array.from(select.options).some((o) => o.value === value)) return;
    // An autocomplete widget only renders the chosen option: bring the kept one back.
    select.add(new Option(label || value, value));
  }

  // In the form's order, so the headline is filled before the slug it prepopulates.
  function fillForm(copy) {
    const { fields, labels = {} } = copy;
    for (const el of keptElements()) {
      if (!Object.hasOwn(fields, el.name)) continue;
      const value = fields[el.name];
      if (el.type === "checkbox") {
        el.checked = Boolean(value);
      } else if (el.type === "radio") {
        el.checked = el.value === value;
      } else if (el.type === "select-multiple") {
        const chosen = Array.isArray(value) ? value : [value];
        chosen.forEach((v) => ensureOption(el, v, v));
        for (const option of el.options) option.selected = chosen.includes(option.value);
      } else if (el.type === "select-one") {
        ensureOption(el, value, labels[el.name]);
        el.value = value;
      } else if (el.tagName === "TEXTAREA" && editorOf(el)) {
        el.value = value;
        editorOf(el).commands.setContent(value, { emitUpdate: true });
      } else {
        el.value = value;
      }
      fire(el);
    }
  }

  function differsFromForm(copy) {
    const current = readFields().fields;
    return Object.entries(copy.fields).some(
      ([name, value]) =>
        Object.hasOwn(current, name) && JSON.stringify(current[name]) !== JSON.stringify(value),
    );
  }

  function say(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("errornote", isError);
  }

  async function post(url, body, options = {}) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body,
      ...options,
    });
    let answer = {};
    try {
      answer = await response.json();
    } catch {
      answer = { error: `${response.status} ${response.statusText}` };
    }
    if (!response.ok) throw new Error(answer.error || response.statusText);
    return answer;
  }

  // The rich-text editor starts asynchronously; read the form once it is there.
  function editorsReady() {
    const pending = Array.from(form.querySelectorAll("textarea")).filter(
      (ta) =>
        Array.from(ta.attributes).some((a) => a.name.startsWith("data-django-prose-editor")) &&
        !editorOf(ta),
    );
    if (!pending.length) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (pending.every(editorOf)) resolve();
      };
      document.addEventListener("prose-editor:ready", () => setTimeout(check));
      setTimeout(resolve, EDITOR_WAIT_MS);
    });
  }

  let initial = null; // the form as the server sent it
  let lastKept = null; // the form as last autosaved
  let submitting = false;
  let sending = false;
  let offerReplaced = false;

  async function autosave() {
    if (submitting || sending) return;
    const { fields, labels } = readFields();
    const now = JSON.stringify(fields);
    if (now === lastKept) return;
    sending = true;
    try {
      const answer = await post(urls.autosaveUrl, JSON.stringify({ fields, labels }));
      lastKept = now;
      offerReplaced = true;
      say(answer.message);
    } catch (error) {
      say(error.message, true);
    } finally {
      sending = false;
    }
  }

  function keepOnLeaving() {
    // The last keystrokes before leaving: a keepalive request outlives the page.
    if (submitting || lastKept === null) return;
    const { fields, labels } = readFields();
    const now = JSON.stringify(fields);
    const body = JSON.stringify({ fields, labels });
    if (now === lastKept || body.length > 60000) return;
    lastKept = now;
    post(urls.autosaveUrl, body, { keepalive: true }).catch(() => {});
  }

  function offerRestore() {
    if (!offered || !differsFromForm(offered)) return;
    restoreBanner.hidden = false;
    restoreBanner.querySelector("[data-editing-action=restore]").addEventListener("click", () => {
      fillForm(offered);
      restoreBanner.hidden = true;
      say(tools.dataset.restoredMessage || "");
      form.elements.namedItem("headline")?.focus();
    });
    restoreBanner.querySelector("[data-editing-action=discard]").addEventListener("click", async () => {
      // Once this page has autosaved, the stored copy is already this page's own.
      try {
        if (!offerReplaced) await post(urls.discardUrl, "{}");
        restoreBanner.hidden = true;
      } catch (error) {
        say(error.message, true);
      }
    });
  }

  // Presence -----------------------------------------------------------------

  function showOthers(others) {
    const list = presenceBanner.querySelector("ul");
    list.replaceChildren(
      ...others.map((other) => {
        const item = document.createElement("li");
        item.className = "warning";
        item.textContent = other.message;
        return item;
      }),
    );
    presenceBanner.hidden = others.length === 0;
  }

  async function heartbeat() {
    try {
      const answer = await post(urls.presenceUrl, "{}");
      showOthers(answer.others);
    } catch {
      // Presence is a courtesy: the next heartbeat tries again.
    }
  }

  function startPresence() {
    if (!urls.presenceUrl) return;
    heartbeat();
    setInterval(heartbeat, Number(urls.heartbeatSeconds || 15) * 1000);
    window.addEventListener("pagehide", () => {
      const data = new FormData();
      data.append("csrfmiddlewaretoken", csrfToken);
      navigator.sendBeacon(urls.leaveUrl, data);
    });
    // Back from the back-forward cache: the page is open again.
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) heartbeat();
    });
  }

  // Wiring -------------------------------------------------------------------

  form.addEventListener("submit", () => {
    submitting = true;
  });

  window.addEventListener("beforeunload", (event) => {
    if (submitting || initial === null || snapshot() === initial) return;
    event.preventDefault();
    event.returnValue = "";
  });

  window.addEventListener("pagehide", keepOnLeaving);

  startPresence();
  editorsReady().then(() => {
    initial = snapshot();
    lastKept = initial;
    offerRestore();
    setInterval(autosave, AUTOSAVE_EVERY_MS);
  });
})();
