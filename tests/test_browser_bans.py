"""End to end for fair bans and redaction: the ban dialog, the shared-address hold, edits.

Run with ``python -m pytest tests/test_browser_bans.py`` (see tests/conftest.py).
"""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.test_browser_comments import shell

pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

STORY = "Volunteers count a record number of swifts over the old mill"
MODERATOR = ("moderator", "newsroom-demo")
QUEUE = "/admin/comments/comment/"
HELD_BECAUSE = "the address is banned (ban aimed at another commenter)"

# A commenter to ban, and two other people who wrote from the same address lately.
BAN_SETUP = """
from datetime import timedelta
from django.utils import timezone
from articles.models import Article
from comments.models import Comment
article = Article.objects.get(headline=STORY)
for email, body, days in [
    (TARGET, "You are all idiots " + TAG, 1),
    ("housemate-" + TAG + "@example.com", "Lovely birds " + TAG, 3),
    ("lodger-" + TAG + "@example.com", "I counted too " + TAG, 20),
]:
    comment = Comment.objects.create(
        article=article, name="Commenter " + TAG, email=email, body=body,
        ip_address="198.51.100.23",
    )
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(days=days))
"""

# An IP ban on this machine's address (every browser here posts from 127.0.0.1),
# aimed at someone else; and how long the flood limit still holds for the address.
HOLD_SETUP = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from articles.models import Article
from comments import moderation
from comments.models import Ban, Comment, CommentSettings
moderation.ban(
    email="someone-else@example.com", ip_address="127.0.0.1", scope=Ban.Scope.IP_ADDRESS,
    by=get_user_model().objects.get(username="moderator"), reason="Spam run",
)
last = Comment.objects.filter(ip_address="127.0.0.1").order_by("-created_at").first()
wait = 0
if last is not None:
    free_at = last.created_at + timedelta(seconds=CommentSettings.load().flood_seconds + 1)
    wait = max(0, (free_at - timezone.now()).total_seconds())
print(Article.objects.get(headline=STORY).get_absolute_url())
print(wait)
"""

# Afterwards: the ban on this machine is lifted and the test's comments age past the
# flood interval, so other tests posting from 127.0.0.1 are neither held nor refused.
HOLD_CLEANUP = """
from datetime import timedelta
from django.db.models import F
from django.utils import timezone
from comments.models import Ban, Comment
Ban.objects.filter(ip_address="127.0.0.1", lifted_at__isnull=True).update(lifted_at=timezone.now())
Comment.objects.filter(ip_address="127.0.0.1").update(created_at=F("created_at") - timedelta(minutes=5))
"""

PHONE_SETUP = """
from articles.models import Article
from comments.models import Comment
article = Article.objects.get(headline=STORY)
comment = Comment.objects.create(
    article=article, name="Di Phone " + TAG, email="di@example.com", status="approved",
    body="Ring me on 07700 900123 to join the count " + TAG, ip_address="192.0.2.44",
)
# Made here, not by moderation: retire the story's cached page as moderation would.
from articles import cachekeys
cachekeys.invalidate_stories([article.pk])
print(comment.get_absolute_url())
"""


# Afterwards: the story's cached page is retired, so tests that add comments to the
# story directly (not through moderation) do not meet the page these tests cached.
RETIRE_STORY = """
from articles import cachekeys
from articles.models import Article
cachekeys.invalidate_stories([Article.objects.get(headline=STORY).pk])
"""


@pytest.fixture(autouse=True)
def _retire_story_page(site_env):
    yield
    shell(site_env, f"STORY = {STORY!r}\n{RETIRE_STORY}")


def log_in(page):
    page.goto("/admin/")
    page.get_by_label("Username").fill(MODERATOR[0])
    page.get_by_label("Password").fill(MODERATOR[1])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_ban_dialog_asks_what_why_and_how_long(new_context, site_env):
    """Banning from the queue opens a page first: scope, reason, duration, and who else
    used the address. Nothing is banned until the moderator confirms; a missing reason
    is asked for again with the choices kept. The ban and its reason then show on the
    comment's page, and the comment is rejected."""
    tag = f"{time.time_ns()}"
    target = f"troll-{tag}@example.com"
    shell(site_env, f"STORY = {STORY!r}\nTAG = {tag!r}\nTARGET = {target!r}\n{BAN_SETUP}")

    page = new_context().new_page()
    log_in(page)
    page.goto(f"{QUEUE}?q={target}")
    row = page.get_by_role("row").filter(has_text="You are all idiots")
    row.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Ban commenter and reject…")
    page.get_by_role("button", name="Run").click()

    expect(
        page.get_by_role("heading", name="Ban commenters and reject their comments")
    ).to_be_visible()
    expect(page.locator(".ban-commenter")).to_contain_text(target)
    expect(page.locator(".shared-address")).to_have_text(
        "2 other commenters used this IP address in the last 30 days."
    )
    page.get_by_label("IP address", exact=True).check()
    page.get_by_label("A day").check()
    page.get_by_role("button", name="Ban and reject").click()
    expect(page.locator(".errornote")).to_contain_text("nobody was banned")
    expect(page.locator(".field-reason .errorlist")).to_have_text(
        "Say why: the reason is kept with the ban."
    )
    expect(page.get_by_label("IP address", exact=True)).to_be_checked()
    expect(page.get_by_label("A day")).to_be_checked()

    page.get_by_label("Reason (kept in the commenter's history)").fill("Abuse in the comments")
    page.get_by_role("button", name="Ban and reject").click()
    expect(page.locator(".messagelist .success")).to_have_text("1 ban added; 1 comment rejected.")

    page.goto(f"{QUEUE}?q={target}")
    page.get_by_role("link", name="You are all idiots").click()
    bans = page.locator(".field-bans")
    expect(bans).to_contain_text(re.compile(r"Banned: 198\.51\.100\.23 \(IP address, until \d"))
    expect(bans).to_contain_text("Abuse in the comments")
    expect(page.locator(".field-status")).to_contain_text("Rejected")


@pytest.fixture
def banned_machine(site_env):
    """This machine's address is banned, aimed at someone else; lifted afterwards."""
    url, wait = shell(site_env, f"STORY = {STORY!r}\n{HOLD_SETUP}")[-2:]
    try:
        yield url, float(wait)
    finally:
        shell(site_env, HOLD_CLEANUP)


def test_shared_address_is_held_for_review_not_refused(new_context, banned_machine):
    """A reader on an address banned because of someone else is told their comment
    awaits moderation; it waits in the pending queue with that reason, and a moderator
    lets it through."""
    story_url, wait = banned_machine
    body = f"First time here, lovely swifts ({time.time_ns()})"
    reader = new_context().new_page()
    reader.goto(story_url)
    reader.get_by_label("Name", exact=True).fill("Flo Flatmate")
    reader.get_by_label("Email", exact=True).fill(f"flo-{time.time_ns()}@example.com")
    reader.get_by_label("Comment", exact=True).fill(body)
    time.sleep(wait)  # an earlier test may have posted from this address just now
    reader.get_by_role("button", name="Post Comment").click()
    expect(reader.get_by_role("status")).to_contain_text("awaiting moderation")

    moderator = new_context().new_page()
    log_in(moderator)
    moderator.goto(f"{QUEUE}?queue=pending&q=Flo+Flatmate")
    row = moderator.get_by_role("row").filter(has_text=body)
    expect(row).to_contain_text(HELD_BECAUSE)
    row.get_by_role("checkbox").check()
    moderator.get_by_label("Action:").select_option(label="Approve")
    moderator.get_by_role("button", name="Run").click()
    expect(moderator.locator(".messagelist .success")).to_contain_text("1 comment approved.")

    reader.goto(story_url)
    expect(reader.locator(".comment-body").filter(has_text=body)).to_have_count(1)


def test_moderator_redacts_a_comment_and_readers_see_the_edit(new_context, site_env):
    """From the queue row a moderator edits out a phone number; without a reason the
    page asks for one and keeps the edit. Readers, whose story page was cached, see the
    new text at once with "Edited by a moderator"; the original stays in the history."""
    tag = f"{time.time_ns()}"
    story_url = shell(site_env, f"STORY = {STORY!r}\nTAG = {tag!r}\n{PHONE_SETUP}")[-1]
    reader = new_context().new_page()
    reader.goto(story_url)
    reader.reload()  # the second reader is served from the page cache
    expect(reader.locator(".comment-body").filter(has_text=tag)).to_contain_text("07700 900123")

    moderator = new_context().new_page()
    log_in(moderator)
    moderator.goto(f"{QUEUE}?queue=approved&q={tag}")
    row = moderator.get_by_role("row").filter(has_text="Ring me on")
    row.get_by_role("link", name="Edit text of this comment").click()
    expect(moderator.get_by_role("heading", name="Edit the text of a comment")).to_be_visible()
    edited = f"Ring me on [number removed] to join the count {tag}"
    moderator.get_by_label("Published text").fill(edited)
    moderator.get_by_role("button", name="Save the edited text").click()
    expect(moderator.locator(".errornote")).to_contain_text("nothing was changed")
    expect(moderator.locator(".field-reason .errorlist")).to_contain_text("Say why")
    expect(moderator.get_by_label("Published text")).to_have_value(edited)

    moderator.get_by_label("Why (kept with the original)").fill("Removed a phone number")
    moderator.get_by_role("button", name="Save the edited text").click()
    expect(moderator.locator(".messagelist .success")).to_contain_text("the original is kept")
    history = moderator.locator(".field-redactions")
    expect(history).to_contain_text("edited by moderator: Removed a phone number")
    expect(history.locator("blockquote")).to_contain_text("07700 900123")

    reader.reload()
    comment = reader.locator(".comment").filter(has_text=tag)
    expect(comment.locator(".comment-body")).to_have_text(edited)
    expect(comment.locator(".comment-edited")).to_have_text("Edited by a moderator")
    expect(reader.get_by_text("07700 900123")).to_have_count(0)
