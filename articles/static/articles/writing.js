/*
 * The story form's writing aids: the body's word count and reading time, the
 * headline's and the summary's length against what search results show, and the
 * preview of the story as a search result and as a shared link, kept up to date
 * as the writer types.
 *
 * The preview is first rendered on the server from articles.seo.story_card, the
 * data of the story page's meta tags; shorten() below follows articles.seo.shorten
 * and the limits come from the page (#writing-previews data attributes), so the
 * live preview and the server's agree. Translated strings come from there too.
 */
"use strict";

(function () {
  const WORDS_PER_MINUTE = 230;

  /** Whitespace runs as one space, trimmed, as Python's " ".join(text.split()). */
  function normalise(text) {
    return text.split(/\s+/).filter(Boolean).join(" ");
  }

  /** Length in characters (code points, as Python's len), not UTF-16 units. */
  function length(text) {
    return Array.from(normalise(text)).length;
  }

  /** articles.seo.shorten: whole, or cut at a word before ``limit`` with "…". */
  function shorten(text, limit) {
    const chars = Array.from(normalise(text));
    if (chars.length <= limit) {
      return chars.join("");
    }
    const head = chars.slice(0, limit - 1); // room for the ellipsis
    const space = head.lastIndexOf(" ");
    if (space > Math.floor(limit / 2)) {
      head.length = space;
    }
    return head.join("").replace(/[ ,;:]+$/, "") + "\u2026";
  }

  function countWords(text) {
    return normalise(text)
      .split(" ")
      .filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
  }

  function readingMinutes(words) {
    return Math.max(1, Math.ceil(words / WORDS_PER_MINUTE));
  }

  /** "%(name)s" placeholders filled from ``values`` (Django's interpolate, named). */
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
  }

  function describedBy(input, id) {
    const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    if (!ids.includes(id)) {
      ids.push(id);
    }
    input.setAttribute("aria-describedby", ids.join(" "));
  }

  /** A "12 of 70 characters" line under ``input``, with a warning in words past ``limit``. */
  function lengthCounter(input, limit, strings) {
    const row = input.closest(".form-row") || input.parentElement;
    const counter = document.createElement("div");
    counter.className = "writing-counter";
    counter.id = input.id + "_length";
    const count = document.createElement("span");
    count.className = "writing-counter-count";
    // A live region that changes only when the limit is crossed, so it is
    // announced then, not at every keystroke.
    const warning = document.createElement("span");
    warning.className = "writing-counter-warning";
    warning.setAttribute("role", "status");
    counter.append(count, " ", warning);
    row.append(counter);
    describedBy(input, counter.id);

    function update() {
      const characters = length(input.value);
      const over = characters > limit;
      count.textContent = format(strings.characters, { count: characters, limit: limit });
      counter.classList.toggle("is-over", over);
      const text = over ? format(strings.over, { limit: limit }) : "";
      if (warning.textContent !== text) {
        warning.textContent = text;
      }
    }
    input.addEventListener("input", update);
    update();
  }

  /** The body's word count and reading time, under the editor. */
  function bodyStats(field, template) {
    const stats = document.createElement("p");
    stats.className = "writing-stats";
    stats.id = "id_body_stats";
    field.append(stats);

    function text() {
      const editor = field.querySelector(".ProseMirror[contenteditable]");
      if (editor) {
        return editor.innerText; // line breaks between paragraphs keep words apart
      }
      const source = field.querySelector("textarea");
      const html = source ? source.value : "";
      return new DOMParser().parseFromString(html.replace(/</g, " <"), "text/html").body
        .textContent;
    }

    let pending = false;
    function update() {
      pending = false;
      const words = countWords(text());
      const line = format(template, { words: words, minutes: readingMinutes(words) });
      if (stats.textContent !== line) {
        stats.textContent = line; // the observer sees this too: change it only when needed
      }
    }
    function schedule() {
      if (!pending) {
        pending = true;
        requestAnimationFrame(update);
      }
    }
    // Typing, pasting, the toolbar and undo all change the editor's document.
    new MutationObserver(schedule).observe(field, {
      childList: true,
      subtree: true,
      characterData: true,
    });
    update();
  }

  function init() {
    const previews = document.getElementById("writing-previews");
    if (!previews) {
      return;
    }
    const data = previews.dataset;
    const titleLimit = Number(data.titleLimit);
    const descriptionLimit = Number(data.descriptionLimit);
    const headline = document.getElementById("id_headline");
    const slug = document.getElementById("id_slug");
    const summary = document.getElementById("id_summary");
    const body = document.querySelector(".form-row.field-body");
    const picture = document.getElementById("id_new_lead_picture");
    const clear = null; // a library picture is chosen or cleared in its own field
    const alt = document.getElementById("id_new_lead_picture_alt");

    if (headline) {
      lengthCounter(headline, titleLimit, {
        characters: data.charactersText,
        over: data.headlineOverText,
      });
    }
    if (summary) {
      lengthCounter(summary, descriptionLimit, {
        characters: data.charactersText,
        over: data.summaryOverText,
      });
    }
    if (body) {
      bodyStats(body, data.wordsText);
    }

    function show(name, text) {
      for (const element of previews.querySelectorAll(`[data-preview="${name}"]`)) {
        if (element.textContent !== text) {
          element.textContent = text;
        }
      }
    }
    function updateText() {
      if (headline) {
        show("title", shorten(headline.value, titleLimit));
      }
      if (summary) {
        show("description", shorten(summary.value, descriptionLimit));
      }
      if (slug) {
        const value = slug.value.trim();
        show("url", value ? data.urlPattern.replace("__slug__", encodeURIComponent(value)) : "");
      }
    }
    // The admin fills the slug in from the headline on keyup, without an input event.
    for (const input of [headline, slug, summary]) {
      if (input) {
        for (const type of ["input", "keyup", "change"]) {
          input.addEventListener(type, updateText);
        }
      }
    }

    const frame = previews.querySelector('[data-preview="image"]');
    const saved = frame.querySelector("img");
    let chosen = null; // a data: URL (the CSP allows data: pictures, not blob:)
    function updateImage() {
      let src = chosen;
      if (!src && saved && !(clear && clear.checked)) {
        src = saved.getAttribute("src");
      }
      let img = frame.querySelector("img");
      if (!src) {
        if (img) {
          img.remove();
        }
        return;
      }
      if (!img) {
        img = document.createElement("img");
        frame.append(img);
      }
      if (img.getAttribute("src") !== src) {
        img.setAttribute("src", src);
      }
      img.alt = alt ? alt.value : "";
    }
    if (picture) {
      picture.addEventListener("change", function () {
        const file = picture.files && picture.files[0];
        if (!file || !file.type.startsWith("image/")) {
          chosen = null;
          updateImage();
          return;
        }
        const reader = new FileReader();
        reader.addEventListener("load", function () {
          chosen = reader.result;
          updateImage();
        });
        reader.readAsDataURL(file);
      });
    }
    for (const input of [clear, alt]) {
      if (input) {
        input.addEventListener("input", updateImage);
        input.addEventListener("change", updateImage);
      }
    }
    updateText();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
