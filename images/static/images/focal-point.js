// The focal point and crop picker on a picture's change page (images/admin.py).
// A click on the picture (or the arrow keys) moves the focal marker and fills the hidden
// focal_x / focal_y (fractions). A drag draws a crop box and fills the hidden crop_left /
// crop_top / crop_right / crop_bottom in the original's pixels (data-width/data-height);
// "Remove crop" empties them. The server checks all of it again.
"use strict";
(function () {
  const DRAG_THRESHOLD = 5; // px on screen: less than this is a click

  function start() {
    const picker = document.querySelector("[data-focal-picker]");
    const x = document.getElementById("id_focal_x");
    const y = document.getElementById("id_focal_y");
    if (!picker || !x || !y) return;
    const image = picker.querySelector("img");
    const marker = picker.querySelector(".focal-marker");
    const cropBox = picker.querySelector(".crop-box");
    const tools = picker.parentElement.querySelector(".crop-tools");
    const sizeText = tools && tools.querySelector(".crop-size");
    const clear = tools && tools.querySelector(".crop-clear");
    const sides = ["left", "top", "right", "bottom"].map((side) =>
      document.getElementById(`id_crop_${side}`)
    );
    const width = Number(picker.dataset.width);
    const height = Number(picker.dataset.height);
    const canCrop = sides.every(Boolean) && width > 0 && height > 0 && cropBox;
    const clamp = (value, low = 0, high = 1) => Math.min(high, Math.max(low, value));
    const round = (value) => Math.round(value * 10000) / 10000;

    // The crop as fractions {left, top, right, bottom}; null for none, "invalid" when
    // the hidden fields hold something else (e.g. sent back with an error).
    function readCrop() {
      if (!canCrop) return null;
      const values = sides.map((input) => input.value.trim());
      if (values.every((value) => value === "")) return null;
      const numbers = values.map(Number);
      const [left, top, right, bottom] = numbers;
      const whole = values.every((value) => /^\d+$/.test(value));
      if (!whole || !(left < right && right <= width && top < bottom && bottom <= height)) {
        return "invalid";
      }
      return { left: left / width, top: top / height, right: right / width, bottom: bottom / height };
    }

    function showCrop(crop) {
      if (!canCrop) return;
      const drawn = crop && crop !== "invalid";
      cropBox.hidden = !drawn;
      if (drawn) {
        cropBox.style.left = `${crop.left * 100}%`;
        cropBox.style.top = `${crop.top * 100}%`;
        cropBox.style.width = `${(crop.right - crop.left) * 100}%`;
        cropBox.style.height = `${(crop.bottom - crop.top) * 100}%`;
      }
    }

    function describe() {
      if (!canCrop || !sizeText) return;
      const crop = readCrop();
      if (crop === null) {
        sizeText.textContent = sizeText.dataset.noneText;
      } else if (crop === "invalid") {
        sizeText.textContent = sizeText.dataset.invalidText;
      } else {
        const [left, top, right, bottom] = sides.map((input) => Number(input.value));
        sizeText.textContent = sizeText.dataset.cropText
          .replace("{width}", right - left)
          .replace("{height}", bottom - top);
      }
      if (clear) clear.hidden = crop === null;
    }

    function showPoint() {
      marker.style.left = `${Number(x.value) * 100}%`;
      marker.style.top = `${Number(y.value) * 100}%`;
    }

    // The focal point, kept inside the crop when there is one (the server refuses a
    // point outside it).
    function setPoint(across, down) {
      const crop = readCrop();
      const inside = crop && crop !== "invalid" ? crop : { left: 0, top: 0, right: 1, bottom: 1 };
      // Rounded, then clamped again: rounding must not push it out of the crop.
      x.value = clamp(round(clamp(across)), inside.left, inside.right);
      y.value = clamp(round(clamp(down)), inside.top, inside.bottom);
      showPoint();
    }

    function setCrop(crop) {
      if (crop === null) {
        sides.forEach((input) => {
          input.value = "";
        });
      } else {
        // Whole pixels of the original, at least one across and down.
        const left = Math.min(width - 1, Math.round(crop.left * width));
        const top = Math.min(height - 1, Math.round(crop.top * height));
        const right = clamp(Math.round(crop.right * width), left + 1, width);
        const bottom = clamp(Math.round(crop.bottom * height), top + 1, height);
        [left, top, right, bottom].forEach((value, i) => {
          sides[i].value = String(value);
        });
        const across = Number(x.value) * width;
        const down = Number(y.value) * height;
        if (!(left <= across && across <= right && top <= down && down <= bottom)) {
          setPoint((left + right) / 2 / width, (top + bottom) / 2 / height);
        }
      }
      showCrop(readCrop());
      describe();
    }

    function fraction(event) {
      const box = image.getBoundingClientRect();
      return {
        across: clamp((event.clientX - box.left) / box.width),
        down: clamp((event.clientY - box.top) / box.height),
      };
    }

    let press = null; // {id, startX, startY, from, dragging}

    image.addEventListener("pointerdown", (event) => {
      if (event.button !== 0 || press) return;
      event.preventDefault();
      image.setPointerCapture(event.pointerId);
      press = { id: event.pointerId, startX: event.clientX, startY: event.clientY, from: fraction(event), dragging: false };
    });

    function dragged(event) {
      const to = fraction(event);
      return {
        left: Math.min(press.from.across, to.across),
        top: Math.min(press.from.down, to.down),
        right: Math.max(press.from.across, to.across),
        bottom: Math.max(press.from.down, to.down),
      };
    }

    image.addEventListener("pointermove", (event) => {
      if (!press || event.pointerId !== press.id || !canCrop) return;
      const distance = Math.hypot(event.clientX - press.startX, event.clientY - press.startY);
      if (!press.dragging && distance <= DRAG_THRESHOLD) return;
      press.dragging = true;
      showCrop(dragged(event));
    });

    image.addEventListener("pointerup", (event) => {
      if (!press || event.pointerId !== press.id) return;
      const { dragging } = press;
      const crop = dragging ? dragged(event) : null;
      press = null;
      if (dragging) {
        setCrop(crop);
      } else {
        const at = fraction(event);
        setPoint(at.across, at.down);
      }
      picker.focus({ preventScroll: true });
    });

    image.addEventListener("pointercancel", () => {
      press = null;
      showCrop(readCrop());
    });

    document.addEventListener("keydown", (event) => {
      // Escape during a drag: no new crop.
      if (event.key !== "Escape" || !press) return;
      image.releasePointerCapture(press.id);
      press = null;
      showCrop(readCrop());
    });

    picker.addEventListener("keydown", (event) => {
      const step = event.shiftKey ? 0.1 : 0.02;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      const move = moves[event.key];
      if (!move) return;
      event.preventDefault();
      setPoint(Number(x.value) + move[0], Number(y.value) + move[1]);
    });

    if (clear) {
      clear.addEventListener("click", () => {
        setCrop(null);
        clear.hidden = true;
        picker.focus({ preventScroll: true });
      });
    }

    showPoint();
    showCrop(readCrop());
    describe();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
