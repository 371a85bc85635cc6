/*
 * The comment form, in the reader's own browser.
 *
 * Story pages are cached whole and shared by every anonymous reader, so the
 * server never knows who is reading: whatever is personal stays in this browser.
 *
 * - Name and email are remembered in localStorage (never a cookie, which would
 *   make the page uncacheable) and filled in on the next visit.
 * - On "Post Comment" the comment is kept in sessionStorage (this tab only). When
 *   the server's redirect says the comment is held (?comment=pending), it is shown
 *   back to its author, marked as awaiting review. Nobody else ever sees it: the
 *   page itself does not contain it.
 *
 * Without JavaScript, or with storage switched off, the form works as before.
 */
(function () {
  "use strict";

  var REMEMBERED = "newsroom.commenter"; // localStorage: {name, email}
  var SENDING = "newsroom.comment-sending"; // sessionStorage: the comment being posted
  var HELD = "newsroom.comment-held"; // sessionStorage: {path: the held comment}

  function store(kind) {
    try {
      return window[kind];
    } catch (error) {
      return null; // storage disabled by the browser's settings
    }
  }

  function read(storage, key) {
    if (!storage) return null;
    try {
      return JSON.parse(storage.getItem(key));
    } catch (error) {
      return null;
    }
  }

  function write(storage, key, value) {
    if (!storage) return;
    try {
      if (value === null) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify(value));
    } catch (error) {
      // Full or refused: the reader simply types again next time.
    }
  }

  var local = store("localStorage");
  var session = store("sessionStorage");

  function field(form, name) {
    var input = form.elements.namedItem(name);
    return input && input.tagName ? input : null;
  }

  function rememberReader(form) {
    var name = field(form, "name");
    var email = field(form, "email");
    var remembered = read(local, REMEMBERED);
    if (remembered) {
      // Never overwrite what the server sent back (a form with errors keeps its text).
      if (name && !name.value && remembered.name) name.value = remembered.name;
      if (email && !email.value && remembered.email) email.value = remembered.email;
    }
    form.addEventListener("submit", function () {
      var typed = {
        name: name ? name.value.trim() : "",
        email: email ? email.value.trim() : "",
      };
      if (typed.name || typed.email) write(local, REMEMBERED, typed);
      var body = field(form, "body");
      write(session, SENDING, {
        path: window.location.pathname,
        name: typed.name,
        body: body ? body.value : "",
        at: new Date().toISOString(),
      });
    });
  }

  function paragraphs(text) {
    var body = document.createElement("div");
    body.className = "comment-body";
    text
      .trim()
      .split(/\n\s*\n/)
      .forEach(function (block) {
        var p = document.createElement("p");
        block.split("\n").forEach(function (line, index) {
          if (index) p.appendChild(document.createElement("br"));
          p.appendChild(document.createTextNode(line));
        });
        body.appendChild(p);
      });
    return body;
  }

  function heldCommentElement(comment) {
    var list = document.createElement("ol");
    list.className = "comment-list held-comments";
    list.setAttribute("aria-label", "Your comment");
    var item = document.createElement("li");
    item.className = "comment held-comment";
    item.id = "your-held-comment";

    var meta = document.createElement("p");
    meta.className = "comment-meta";
    var name = document.createElement("strong");
    name.textContent = comment.name;
    meta.appendChild(name);
    var at = new Date(comment.at);
    if (!isNaN(at)) {
      meta.appendChild(document.createTextNode(" · "));
      var time = document.createElement("time");
      time.dateTime = at.toISOString();
      time.textContent = at.toLocaleString("en-GB", {
        day: "numeric",
        month: "long",
        year: "numeric",
        hour: "2-digit",
        minute: "2-digit",
      });
      meta.appendChild(time);
    }
    meta.appendChild(document.createTextNode(" · "));
    var badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "Your comment is awaiting review";
    meta.appendChild(badge);
    item.appendChild(meta);
    item.appendChild(paragraphs(comment.body));

    var note = document.createElement("p");
    note.className = "help";
    note.textContent =
      "Only you can see this, in this browser tab. Everyone will see it once a moderator approves it.";
    item.appendChild(note);
    list.appendChild(item);
    return list;
  }

  function showHeldComment() {
    var path = window.location.pathname;
    var outcome = new URLSearchParams(window.location.search).get("comment");
    var sending = read(session, SENDING);
    if (outcome && sending) {
      // The server answered this post: it is held, live or refused.
      write(session, SENDING, null);
      if (outcome === "pending" && sending.path === path) {
        var held = read(session, HELD) || {};
        held[path] = sending;
        write(session, HELD, held);
      }
    }
    if (outcome !== "pending") return;
    var comment = (read(session, HELD) || {})[path];
    var status = document.getElementById("comment-status");
    if (!comment || !comment.body || !status) return;
    status.parentNode.insertBefore(heldCommentElement(comment), status.nextSibling);
  }

  var form = document.getElementById("comment-form");
  if (form && form.tagName === "FORM") rememberReader(form);
  showHeldComment();
})();
