// The focal point picker on a picture's change page (images/admin.py): a click on the
// picture (or the arrow keys) moves the marker and fills the hidden focal_x / focal_y.
"use strict";
(function () {
  function start() {
    const picker = document.querySelector("[data-focal-picker]");
    const x = document.getElementById("id_focal_x");
    const y = document.getElementById("id_focal_y");
    if (!picker || !x || !y) return;
    const image = picker.querySelector("img");
    const marker = picker.querySelector(".focal-marker");
    const clamp = (value) => Math.min(1, Math.max(0, value));
    const round = (value) => Math.round(value * 10000) / 10000;

    function show() {
      marker.style.left = `${Number(x.value) * 100}%`;
      marker.style.top = `${Number(y.value) * 100}%`;
    }

    function set(across, down) {
      x.value = round(clamp(across));
      y.value = round(clamp(down));
      show();
    }

    image.addEventListener("click", (event) => {
      const box = image.getBoundingClientRect();
      set((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
    });
    picker.addEventListener("keydown", (event) => {
      const step = event.shiftKey ? 0.1 : 0.02;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      const move = moves[event.key];
      if (!move) return;
      event.preventDefault();
      set(Number(x.value) + move[0], Number(y.value) + move[1]);
    });
    show();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
