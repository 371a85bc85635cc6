"""End to end: a real Chromium against the site served by real gunicorn.

Run with ``python -m pytest tests/test_browser.py``; set ``DATABASE_URL`` to a
PostgreSQL server to run against a throwaway PostgreSQL database instead of
SQLite.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

REPO_ROOT = Path(__file__).resolve().parent.parent
STORY = "Harbour bridge reopens after eight months of repairs"
MODERATOR = ("moderator", "newsroom-demo")


def open_story(page):
    """From the home page, follow the link to the demo story."""
    page.goto("/")
    page.get_by_role("link", name=STORY).first.click()  # lead story; its section block links it too
    expect(page.get_by_role("heading", level=1)).to_have_text(STORY)
    return page.url


def comment_count(site_env, name):
    """How many comments, in any status, the site's database holds from ``name``."""
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-v0",
            "-c",
            "import os; from comments.models import Comment; "
            "print(Comment.objects.filter(name=os.environ['E2E_COMMENT_NAME']).count())",
        ],
        cwd=REPO_ROOT,
        env={**site_env, "E2E_COMMENT_NAME": name},
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def test_reader_comment_appears_only_after_moderator_approves_it(new_context):
    """A reader's comment waits for moderation, then shows (escaped) once approved.

    The reader posts through the story's "Post Comment" form and is told the
    comment awaits moderation; it is not on the story yet. A moderator logs into
    the admin, selects it in the comment list and runs the "Approve" action.
    Then the story shows the comment with the reader's name, its markup shown
    as typed text (not rendered) and its line break kept.
    """
    name = "Ada Reader"
    first_line = "Finally! Cycling to work again - <b>not bold</b>"
    second_line = "Second line & more."
    text = f"{first_line}\n{second_line}"

    reader = new_context().new_page()
    story_url = open_story(reader)
    comments = reader.locator("#comments")
    expect(comments).to_contain_text("No comments yet.")

    reader.get_by_label("Name", exact=True).fill(name)
    reader.get_by_label("Email", exact=True).fill("ada@example.com")
    reader.get_by_label("Comment", exact=True).fill(text)
    reader.get_by_role("button", name="Post Comment").click()

    expect(reader.get_by_role("status")).to_contain_text("awaiting moderation")
    expect(reader.get_by_role("heading", level=1)).to_have_text(STORY)
    expect(comments).to_contain_text("No comments yet.")
    # Only its author sees it, marked as awaiting review, in this tab; it is in no
    # published thread, and another reader sees nothing of it.
    held = comments.locator(".held-comment")
    expect(held).to_contain_text("Your comment is awaiting review")
    expect(held).to_contain_text("not bold")
    expect(comments.locator(".comment:not(.held-comment)")).to_have_count(0)
    other = new_context().new_page()
    other.goto(story_url)
    expect(other.locator("#comments")).to_contain_text("No comments yet.")
    expect(other.locator("#comments")).not_to_contain_text("not bold")
    expect(other.locator("#comments")).not_to_contain_text(name)

    # The moderator, in a browser context of their own.
    moderator = new_context().new_page()
    moderator.goto("/admin/")
    moderator.get_by_label("Username").fill(MODERATOR[0])
    moderator.get_by_label("Password").fill(MODERATOR[1])
    moderator.get_by_role("button", name="Log in").click()
    expect(
        moderator.get_by_role("link", name="Log out").or_(
            moderator.get_by_role("button", name="Log out")
        )
    ).to_be_visible()

    moderator.goto("/admin/comments/comment/")
    row = moderator.get_by_role("row").filter(has_text="Cycling to work again")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Awaiting moderation")
    row.get_by_role("checkbox").check()
    moderator.get_by_role("combobox", name=re.compile(r"^Action")).select_option(label="Approve")
    moderator.get_by_role("button", name=re.compile(r"^(Run|Go)$")).click()
    expect(moderator.locator(".messagelist .success")).to_contain_text("1 comment approved.")
    expect(moderator.get_by_role("row").filter(has_text="Cycling to work again")).to_contain_text(
        "Approved"
    )

    # The reader opens the story again: the comment is there, escaped.
    reader.goto(story_url)
    comment = comments.get_by_role("listitem").filter(has_text="Cycling to work again")
    expect(comment).to_have_count(1)
    expect(comments.get_by_role("heading", name="Comments (1)")).to_be_visible()
    expect(comment.locator(".comment-meta")).to_contain_text(name)
    body = comment.locator(".comment-body")
    expect(body).to_contain_text(first_line)
    expect(body).to_contain_text(second_line)
    expect(body).to_have_text(f"{first_line}{second_line}")
    expect(body.locator("b")).to_have_count(0)
    expect(body.locator("br")).to_have_count(1)
    assert body.inner_text().splitlines() == [first_line, second_line]


def test_invalid_comment_shows_field_errors_and_keeps_input(new_context, site_env):
    """An empty comment and a malformed email are refused field by field.

    Each bad field gets its own message, the typed name stays in the form, and
    no comment is stored.
    """
    name = "Eve Invalid"
    page = new_context().new_page()
    open_story(page)

    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Email", exact=True).fill("not-an-email")
    page.get_by_role("button", name="Post Comment").click()

    expect(page.get_by_role("alert")).to_contain_text("Your comment was not posted")
    email = page.get_by_label("Email", exact=True)
    body = page.get_by_label("Comment", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(body).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_email_error")).to_have_text(
        "That email address does not look right, e.g. name@example.com."
    )
    expect(page.locator("#id_body_error")).to_have_text("Please write your comment.")
    expect(page.locator(".field.has-error")).to_have_count(2)
    expect(page.get_by_label("Name", exact=True)).to_have_value(name)
    expect(page.get_by_label("Name", exact=True)).not_to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value("not-an-email")
    expect(page.get_by_role("status")).to_have_count(0)
    expect(page.locator("#comments")).not_to_contain_text(name)

    assert comment_count(site_env, name) == 0
