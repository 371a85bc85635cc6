/* Keyboard shortcuts for the comment queue (the admin's comment list).
 *
 *   j / k   next / previous comment      o or Enter   open it
 *   a       approve                      r            reject
 *   s       mark as spam                 x            select / unselect
 *
 * A decision applies to the selected comments, or to the current one when none
 * is selected, through the list's own action form (so the server does the work).
 *
 * The keys work whatever was clicked last (a checkbox, a button, a link): only
 * while typing in a text field, a list box or an editable area do keys type.
 * Clicking in a row makes it the current one. Each cell is labelled with its
 * column's name, for the narrow-screen layout where rows become cards.
 */
(function () {
    "use strict";

    const ACTIONS = { a: "approve", r: "reject", s: "mark_spam" };
    // Inputs that take no typing: a key pressed while one has focus is a shortcut.
    const NOT_TYPED = ["checkbox", "radio", "button", "submit", "reset", "image", "file",
        "range", "color"];

    function typing(target) {
        if (!(target instanceof Element)) {
            return false;
        }
        if (target.isContentEditable || target.closest("textarea, select, [contenteditable]")) {
            return true;
        }
        const input = target.closest("input");
        return Boolean(input) && !NOT_TYPED.includes(input.type);
    }

    function labelCells(table) {
        const headers = Array.from(table.querySelectorAll("thead th")).map(function (th) {
            return th.textContent.trim();
        });
        table.querySelectorAll("tbody tr").forEach(function (row) {
            Array.from(row.children).forEach(function (cell, i) {
                if (headers[i]) {
                    cell.setAttribute("data-label", headers[i]);
                }
            });
        });
    }

    function start() {
        const form = document.getElementById("changelist-form");
        const table = document.getElementById("result_list");
        if (!form || !table) {
            return;
        }
        const rows = Array.from(table.querySelectorAll("tbody tr"));
        if (!rows.length) {
            return;
        }
        labelCells(table);
        let current = 0;

        function show(index, scroll) {
            current = Math.max(0, Math.min(rows.length - 1, index));
            rows.forEach(function (row, i) {
                row.classList.toggle("queue-current", i === current);
                if (i === current) {
                    row.setAttribute("aria-current", "true");
                } else {
                    row.removeAttribute("aria-current");
                }
            });
            if (scroll !== false) {
                rows[current].scrollIntoView({ block: "nearest" });
            }
        }

        function checkbox(row) {
            return row.querySelector("input.action-select");
        }

        function decide(action) {
            const select = form.querySelector("select[name=action]");
            const button = form.querySelector("button[name=index]");
            if (!select || !button || !select.querySelector('option[value="' + action + '"]')) {
                return;
            }
            if (!rows.some(function (row) { return checkbox(row) && checkbox(row).checked; })) {
                const box = checkbox(rows[current]);
                if (!box) {
                    return;
                }
                box.checked = true;
            }
            select.value = action;
            form.requestSubmit(button);
        }

        table.addEventListener("click", function (event) {
            const row = event.target.closest("tbody tr");
            if (row && rows.includes(row)) {
                show(rows.indexOf(row), false);
            }
        });

        document.addEventListener("keydown", function (event) {
            const target = event.target;
            if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented ||
                typing(target)) {
                return;
            }
            const key = event.key;
            if (key === "j") {
                show(current + 1);
            } else if (key === "k") {
                show(current - 1);
            } else if (key === "x") {
                const box = checkbox(rows[current]);
                if (box) {
                    box.click();
                }
            } else if (key === "o" || (key === "Enter" && target === document.body)) {
                const link = rows[current].querySelector("th a, td a");
                if (link) {
                    link.click();
                }
            } else if (ACTIONS[key]) {
                decide(ACTIONS[key]);
            } else {
                return;
            }
            event.preventDefault();
        });

        show(0);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
