"""End to end in the admin: a real Chromium against the site served by real gunicorn.

An editor writes a story in the rich-text editor, files and publishes it, and
a reader sees it on the site; a writer can only save drafts, which readers
cannot see. Run with ``python -m pytest tests/test_browser_admin.py``.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

EDITOR = ("editor", "newsroom-demo")
WRITER = ("writer", "newsroom-demo")
ADD_STORY = "/admin/articles/article/add/"


def log_in(page, username, password):
    """Log into the admin with a demo account."""
    page.goto("/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))
    ).to_be_visible()


def watch_for_problems(page, site):
    """Collect console errors, uncaught exceptions and requests leaving the site.

    Returns the list the problems are appended to. Chromium asks every site
    for ``/favicon.ico``, which newsroom does not have; that 404 is not a
    problem of the page and is left out.
    """
    problems = []

    def on_console(message):
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def on_request(request):
        if request.url.startswith(("http:", "https:")) and not request.url.startswith(site + "/"):
            problems.append(f"request off the site: {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", on_request)
    return problems


def body_editor(page):
    """The body field's ProseMirror editing surface (not the menu's block-type picker)."""
    editor = page.locator(".field-body .ProseMirror[contenteditable='true']")
    expect(editor).to_be_visible()
    return editor


def put_caret_at_end(editor):
    """Put the caret at the end of the editor's last block, the way ProseMirror sees it.

    Focused without a click: after a mouse click ProseMirror may put the DOM selection
    back where the click landed a moment later, which would undo a selection set here.
    The selection is set in the DOM, and the promise waits two frames, so ProseMirror's
    ``selectionchange`` handler has read it before the next key is pressed."""
    editor.focus()
    editor.evaluate(
        "(surface) => { const selection = window.getSelection();"
        " selection.selectAllChildren(surface.lastElementChild); selection.collapseToEnd();"
        " return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))); }"
    )


def choose_in_autocomplete(page, container, search, option):
    """Pick ``option`` in the admin's select2 autocomplete widget inside ``container``."""
    container.locator(".select2-selection").click()
    search_box = page.locator(".select2-container--open .select2-search__field")
    expect(search_box).to_be_focused()
    search_box.press_sequentially(search)
    page.locator(".select2-results__option", has_text=option).click()
    expect(container.locator(".select2-selection__rendered")).to_have_text(
        re.compile(rf"\b{re.escape(option)}$")
    )


def test_editor_writes_and_publishes_a_story_in_the_admin(new_context, site):
    """An editor writes, tags, files, credits and publishes a story; readers see it.

    The headline prepopulates the slug; the body is typed into the rich-text
    editor with one word made bold from its toolbar; the tag field suggests
    an existing tag; section and contributor are picked in the autocomplete
    widgets. The add page runs without console errors (the editor's scripts
    are local and allowed by the content security policy). An anonymous
    reader then finds the story with everything the editor put in.
    """
    headline = "Ferry service returns to the Millbrook harbour"
    slug = "ferry-service-returns-to-the-millbrook-harbour"
    summary = (
        "The passenger ferry sails again from Monday, with a timetable built around the tides."
    )
    first_paragraph = "The first ferry leaves the harbour steps at seven in the morning."
    bold_word = "Tickets"
    rest_of_second = " cost the same as last year, the operator said."
    second_paragraph = bold_word + rest_of_second

    page = new_context().new_page()
    log_in(page, *EDITOR)
    problems = watch_for_problems(page, site)
    page.goto(ADD_STORY)
    expect(page.get_by_role("heading", name="Add story")).to_be_visible()

    # Headline, typed key by key: the admin's JavaScript fills in the slug.
    page.get_by_label("Headline:").press_sequentially(headline)
    expect(page.get_by_label("Slug:")).to_have_value(slug)
    page.get_by_label("Summary:").fill(summary)

    # The body, typed into the rich-text editor, one word bold via the toolbar.
    editor = body_editor(page)
    editor.click()
    page.keyboard.type(first_paragraph)
    page.keyboard.press("Enter")
    bold = page.locator(".field-body").get_by_role("button", name="bold", exact=True)
    bold.click()
    page.keyboard.type(bold_word)
    bold.click()
    page.keyboard.type(rest_of_second)
    expect(editor.locator("p")).to_have_text([first_paragraph, second_paragraph])
    expect(editor.locator("strong")).to_have_text([bold_word])

    # Tags: typing the start of an existing tag offers it as a suggestion.
    tags = page.get_by_label("Tags:")
    tags.press_sequentially("tra")
    suggestions = page.locator("datalist#id_tags-suggestions")
    expect(tags).to_have_attribute("list", "id_tags-suggestions")
    expect(suggestions.locator("option[value$='transport']")).to_have_count(1)
    tags.fill("transport, ferries")

    # Section and byline through the admin's autocomplete widgets.
    choose_in_autocomplete(page, page.locator(".field-section"), "Loc", "Local")
    expect(page.locator("#id_section")).to_have_value(re.compile(r"^\d+$"))
    choose_in_autocomplete(page, page.locator("#bylines-0"), "Eda", "Eda Editor")

    # Publishing is a workflow step: the button saves, then publishes now.
    expect(page.locator(".field-state_display .readonly")).to_have_text("New draft")
    expect(page.locator("select[name='status']")).to_have_count(0)
    page.get_by_role("button", name="Save and publish now", exact=True).click()

    messages = page.locator(".messagelist .success")
    expect(
        messages.filter(has_text=f"The story “{headline}” was added successfully.")
    ).to_have_count(1)
    expect(messages.filter(has_text=f"“{headline}” is now Published.")).to_have_count(1)
    assert problems == []

    # An anonymous reader, in a browser context of their own.
    reader = new_context().new_page()
    response = reader.goto(f"/story/{slug}/")
    assert response is not None and response.status == 200
    story = reader.locator("article.story")
    expect(story.get_by_role("heading", level=1)).to_have_text(headline)
    expect(story.locator(".standfirst")).to_have_text(summary)
    body = story.locator(".story-body")
    expect(body.locator("p")).to_have_text([first_paragraph, second_paragraph])
    expect(body.locator("p").nth(1).locator("strong")).to_have_text(bold_word)
    expect(story.locator(".byline .author")).to_have_text(["Eda Editor"])
    expect(
        story.locator(".kicker").get_by_role("link", name="Local", exact=True)
    ).to_have_attribute("href", "/section/local/")
    tag_list = story.get_by_role("list", name="Tags")
    expect(tag_list.get_by_role("link")).to_have_count(2)
    for tag in ["transport", "ferries"]:
        expect(tag_list.get_by_role("link", name=tag, exact=True)).to_have_attribute(
            "href", f"/tag/{tag}/"
        )
    expect(reader.get_by_role("button", name="Post Comment")).to_be_visible()


def test_writer_cannot_publish(new_context, site):
    """A writer's new story offers no status choice and no publishing; it stays a draft.

    Readers get 404 for the saved story; the writer sees it only as a preview.
    """
    headline = "Night buses to run until two on Saturdays"
    summary = "A draft from the writer: the council still has to agree the extra services."
    paragraph = "The late services would leave the bus station every forty minutes."

    page = new_context().new_page()
    log_in(page, *WRITER)
    problems = watch_for_problems(page, site)
    page.goto(ADD_STORY)
    expect(page.get_by_role("heading", name="Add story")).to_be_visible()

    # The state is shown read-only; there is no status to choose and no way to publish.
    expect(page.locator(".field-state_display .readonly")).to_have_text("New draft")
    expect(page.locator("select[name='status']")).to_have_count(0)
    expect(page.get_by_label("Status:")).to_have_count(0)
    workflow = page.get_by_role("group", name="Save and move the story on")
    expect(workflow.get_by_role("button")).to_have_text(["Save and submit for review"])
    expect(page.get_by_role("button", name=re.compile("publish|schedule", re.I))).to_have_count(0)

    page.get_by_label("Headline:").press_sequentially(headline)
    slug_field = page.get_by_label("Slug:")
    expect(slug_field).to_have_value("night-buses-to-run-until-two-on-saturdays")
    slug = slug_field.input_value()
    page.get_by_label("Summary:").fill(summary)
    editor = body_editor(page)
    editor.click()
    page.keyboard.type(paragraph)
    expect(editor.locator("p")).to_have_text([paragraph])

    page.get_by_role("button", name="Save", exact=True).click()
    expect(
        page.locator(".messagelist .success").filter(
            has_text=f"The story “{headline}” was added successfully."
        )
    ).to_have_count(1)
    assert problems == []

    reader = new_context()
    assert reader.request.get(f"/story/{slug}/").status == 404
    reader_page = reader.new_page()
    response = reader_page.goto(f"/story/{slug}/")
    assert response is not None and response.status == 404
    expect(reader_page.get_by_role("heading", name=headline)).to_have_count(0)

    # The story was saved: staff see it, marked as an unpublished preview.
    response = page.goto(f"/story/{slug}/")
    assert response is not None and response.status == 200
    expect(page.get_by_role("status")).to_contain_text("Preview: this story is not published.")
    expect(page.get_by_role("heading", level=1)).to_have_text(headline)
    expect(page.locator(".story-body p")).to_have_text([paragraph])
