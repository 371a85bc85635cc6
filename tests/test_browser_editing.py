"""End to end: autosave, the restore offer, the unsaved-changes prompt and presence
in the story form (editing/), in a real Chromium against the demo site under gunicorn.

Each test writes on a draft of its own, made through ``manage.py shell``, so the
demo stories other tests read stay as they are.
"""

import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .test_browser_admin import EDITOR, WRITER, body_editor, log_in, watch_for_problems

pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

REPO_ROOT = Path(__file__).resolve().parent.parent
HEARTBEAT_WAIT = 25_000  # ms: longer than one heartbeat (15 s) and a request
_numbers = itertools.count(1)

MAKE_DRAFT = """
import os
from django.contrib.auth import get_user_model
from articles.models import Article
author = get_user_model().objects.get(username=os.environ["E2E_AUTHOR"])
story = Article.objects.create(
    headline=os.environ["E2E_HEADLINE"],
    slug=os.environ["E2E_SLUG"],
    summary="A draft for the editing tests.",
    body="<p>The first paragraph as it was saved.</p>",
    status=Article.Status.DRAFT,
    created_by=author,
)
print(story.pk)
"""


def make_draft(site_env, *, author="editor"):
    """A new draft by ``author``; returns (headline, change form's path)."""
    n = next(_numbers)
    headline = f"Editing test draft number {n}"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", MAKE_DRAFT],
        cwd=REPO_ROOT,
        env={
            **site_env,
            "E2E_AUTHOR": author,
            "E2E_HEADLINE": headline,
            "E2E_SLUG": f"editing-test-draft-{n}-{id(site_env)}",
        },
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    pk = int(result.stdout.strip().splitlines()[-1])
    return headline, f"/admin/articles/article/{pk}/change/"


def autosave_of(text):
    """Matches the answer to an autosave that sent ``text``."""

    def matches(response):
        request = response.request
        return (
            request.method == "POST"
            and response.url.endswith("/autosave/")
            and text in (request.post_data or "")
        )

    return matches


def test_typed_words_come_back_after_leaving_the_form(new_context, site, site_env):
    """Typed into headline and body, autosaved, left: coming back offers the words again.

    The banner says when they were kept; "Restore them" puts the headline and the
    body text back, into the rich-text editor too. The story itself still has its
    saved headline until the editor saves.
    """
    saved_headline, change_url = make_draft(site_env)
    typed_headline = "Harbour ferry to run every hour from May"
    typed_words = " Added while the network was down."

    page = new_context().new_page()
    log_in(page, *EDITOR)
    problems = watch_for_problems(page, site)
    page.goto(change_url)
    headline = page.get_by_label("Headline:")
    expect(headline).to_have_value(saved_headline)
    editor = body_editor(page)

    with page.expect_response(autosave_of(typed_words), timeout=15_000) as autosaved:
        headline.fill("")
        headline.press_sequentially(typed_headline)
        editor.click()
        page.keyboard.press("End")
        page.keyboard.type(typed_words)
    assert autosaved.value.ok
    kept_at = re.search(r"kept at (\d\d:\d\d)", autosaved.value.json()["message"]).group(1)
    expect(page.locator("#editing-status")).to_have_text(
        f"Your unsaved changes were kept at {kept_at}."
    )

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("link", name="Home").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.goto(change_url)
    expect(headline).to_have_value(saved_headline)  # nothing was saved into the story
    banner = page.locator("#editing-restore")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(f"You have unsaved changes from today at {kept_at}.")
    banner.get_by_role("button", name="Restore them").click()
    expect(banner).to_be_hidden()
    expect(headline).to_have_value(typed_headline)
    expect(body_editor(page).locator("p")).to_have_text(
        ["The first paragraph as it was saved." + typed_words]
    )
    assert problems == []


def test_leaving_with_unsaved_changes_asks_first_but_saving_does_not(new_context, site, site_env):
    """After typing, leaving raises the browser's "leave site?" prompt; staying keeps the
    text. Saving the story leaves without a prompt, and so does leaving after the save."""
    _headline, change_url = make_draft(site_env)
    page = new_context().new_page()
    log_in(page, *EDITOR)
    page.goto(change_url)
    body_editor(page)
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    summary = page.get_by_label("Summary:")
    summary.click()
    summary.press("End")
    summary.press_sequentially(" One more sentence.")
    with page.expect_event("dialog") as prompt:
        page.get_by_role("link", name="Home").click()
    assert prompt.value.type == "beforeunload"
    expect(page).to_have_url(re.compile(re.escape(change_url) + "$"))
    expect(summary).to_have_value("A draft for the editing tests. One more sentence.")

    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    expect(summary).to_have_value("A draft for the editing tests. One more sentence.")
    page.get_by_role("link", name="Home").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    assert dialogs == ["beforeunload"]


def test_two_people_on_one_story_see_each_other(new_context, site, site_env):
    """The writer and an editor open the writer's draft: each is named in the other's
    form, with since when, before anyone saves; when the editor leaves, the writer's
    banner goes."""
    _headline, change_url = make_draft(site_env, author="writer")
    writer = new_context().new_page()
    log_in(writer, *WRITER)
    problems = watch_for_problems(writer, site)
    writer.goto(change_url)
    body_editor(writer)

    editor = new_context().new_page()
    log_in(editor, *EDITOR)
    editor.goto(change_url)
    since = re.compile(r"has had this story open since \d\d:\d\d$")

    seen_by_editor = editor.locator("#editing-presence li")
    expect(seen_by_editor).to_have_count(1)
    expect(seen_by_editor).to_have_text(re.compile(r"^Wren Writer \(writer\) " + since.pattern))

    seen_by_writer = writer.locator("#editing-presence li")
    expect(seen_by_writer).to_have_text(
        re.compile(r"^Eda Editor \(editor\) " + since.pattern), timeout=HEARTBEAT_WAIT
    )
    expect(seen_by_writer).to_have_count(1)

    editor.get_by_role("link", name="Home").click()
    expect(editor).to_have_url(re.compile(r"/admin/$"))
    expect(writer.locator("#editing-presence")).to_be_hidden(timeout=HEARTBEAT_WAIT)
    assert problems == []
