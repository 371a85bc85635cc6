// The story form's preview links: "Copy" puts a link on the clipboard and says so.
const t = window.gettext || ((text) => text);

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  if (!field) return;
  field.select();
  let copied = false;
  try {
    await navigator.clipboard.writeText(field.value);
    copied = true;
  } catch {
    // Without clipboard access (an insecure origin) the selected text is copied the old way.
    copied = document.execCommand && document.execCommand("copy");
  }
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = copied ? t("Copied") : t("Select and copy the link");
  setTimeout(() => { button.textContent = label; }, 2000);
});
