// Bulk upload (templates/admin/images/picture/bulk_upload.html): each chosen or dropped
// file is sent on its own request, with its own progress bar and its own answer.
"use strict";
(function () {
  const form = document.getElementById("bulk-upload");
  if (!form) return;
  const input = document.getElementById("bulk-files");
  const list = document.getElementById("bulk-uploads");
  const zone = form.querySelector("[data-drop-zone]");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const maxBytes = Number(form.dataset.maxBytes);

  function row(file) {
    const item = document.createElement("li");
    item.className = "uploading";
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    const status = document.createElement("span");
    status.className = "upload-status";
    item.append(name, bar, status);
    list.append(item);
    return { item, bar, status };
  }

  function fail(parts, message) {
    parts.item.className = "failed";
    parts.status.textContent = message;
  }

  function succeed(parts, answer) {
    parts.item.className = "uploaded";
    parts.bar.value = 100;
    parts.status.textContent = (answer.existing ? form.dataset.existing : form.dataset.added) + " ";
    const link = document.createElement("a");
    link.href = answer.url;
    link.textContent = answer.title;
    parts.status.append(link);
  }

  function upload(file) {
    const parts = row(file);
    if (maxBytes && file.size > maxBytes) {
      fail(parts, form.dataset.tooBig);
      return;
    }
    const data = new FormData();
    data.append("file", file, file.name);
    const request = new XMLHttpRequest();
    request.open("POST", form.dataset.uploadUrl);
    request.setRequestHeader("X-CSRFToken", token);
    request.setRequestHeader("Accept", "application/json");
    request.responseType = "json";
    request.upload.addEventListener("progress", (event) => {
      // The bar stops just short of full until the server has answered.
      if (event.lengthComputable) parts.bar.value = Math.min(99, (event.loaded / event.total) * 100);
    });
    request.addEventListener("load", () => {
      const answer = request.response;
      if (request.status >= 200 && request.status < 300 && answer && answer.url) {
        succeed(parts, answer);
      } else {
        fail(parts, (answer && answer.error) || form.dataset.failed);
      }
    });
    request.addEventListener("error", () => fail(parts, form.dataset.failed));
    request.send(data);
  }

  function uploadAll(files) {
    Array.from(files).forEach(upload);
  }

  input.addEventListener("change", () => {
    uploadAll(input.files);
    input.value = "";
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    uploadAll(event.dataTransfer.files);
  });
})();
