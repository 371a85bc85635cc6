// The body editor's picture picker (a window django-prose-editor's figure dialog opens):
// choosing a library picture hands its URL, id, alt text and caption back to the dialog,
// which writes <figure><img data-file="id"><figcaption>…</figcaption></figure>;
// articles/embeds.py draws it from the library on the story page.
(() => {
  "use strict";
  function init() {
    const list = document.querySelector(".picture-picker");
    if (!list) return;
    const callback = list.dataset.callback;
    list.addEventListener("click", (event) => {
      const choice = event.target.closest(".picture-picker-choice");
      if (!choice || !window.opener || !window.opener.CKEDITOR) return;
      window.opener.CKEDITOR.tools.callFunction(callback, choice.dataset.url, {
        id: choice.dataset.id,
        alternative_text: choice.dataset.alt,
        caption: choice.dataset.caption,
      });
      window.close();
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
