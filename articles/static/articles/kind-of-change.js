// The kind-of-change question on a live story's form: hidden until the editor changes
// something readers see (the server asks for it only then: ArticleAdminForm.clean).
(() => {
  const question = document.querySelector("fieldset.kind-of-change");
  if (!question) return;
  // Shown with its error when a save came back asking for it.
  if (question.querySelector(".errorlist")) return;
  const readerFields = [
    "headline", "slug", "summary", "body", "section", "tags",
    "lead_picture", "new_lead_picture", "new_lead_picture_alt", "new_lead_picture_caption",
    "new_lead_picture_credit",
  ];
  // Fieldsets other apps add to the form mark themselves (admin/extensions.py).
  const selector = [...readerFields.map((name) => `.field-${name}`), "fieldset.reader-visible"].join(", ");
  question.hidden = true;
  const reveal = (event) => {
    if (!event.target.closest || !event.target.closest(selector)) return;
    question.hidden = false;
    document.removeEventListener("input", reveal, true);
    document.removeEventListener("change", reveal, true);
  };
  document.addEventListener("input", reveal, true);
  document.addEventListener("change", reveal, true);
})();
