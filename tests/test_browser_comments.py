"""End to end for comment threads: reply without JavaScript, the moderator's keyboard, reports.

Run with ``python -m pytest tests/test_browser_comments.py`` (see tests/conftest.py).
"""

import re
import time

import pytest
from playwright.sync_api import expect

from .conftest import shell

pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

# Not the story tests/test_browser.py uses: that one expects no comments.
STORY = "Volunteers count a record number of swifts over the old mill"
MODERATOR = ("moderator", "newsroom-demo")

# Runs in the site's own environment: an approved comment to answer, and how
# long the flood limit still holds for this machine's address (every browser
# here posts from 127.0.0.1).
SETUP = """
from datetime import timedelta
from django.utils import timezone
from articles.models import Article
from comments.models import Comment, CommentSettings
article = Article.objects.get(headline=STORY)
original, _ = Comment.objects.get_or_create(
    article=article, name="Bo Original", email="bo@example.com",
    body="The ferry was quicker anyway.", defaults={"status": "pending"},
)
if original.status != "approved":
    # Through the pipeline, as a moderator would: the cached story page shows it at once.
    from django.contrib.auth import get_user_model
    from comments import moderation
    moderation.approve(original, by=get_user_model().objects.get(username="moderator"))
last = Comment.objects.filter(ip_address="127.0.0.1").order_by("-created_at").first()
wait = 0
if last is not None:
    free_at = last.created_at + timedelta(seconds=CommentSettings.load().flood_seconds + 1)
    wait = max(0, (free_at - timezone.now()).total_seconds())
print(article.get_absolute_url())
print(wait)
"""


# Afterwards: this test's comments age past the flood interval, so tests that
# post next from the same address are not refused as too fast.
CLEANUP = """
from datetime import timedelta
from comments.models import Comment
Comment.objects.filter(ip_address="127.0.0.1").update(created_at=F("created_at") - timedelta(minutes=5))
"""


@pytest.fixture
def story(site_env):
    """The demo story's address, and how long to wait before posting from this machine."""
    url, wait = shell(site_env, f"STORY = {STORY!r}\n{SETUP}")[-2:]
    yield url, float(wait)
    shell(site_env, "from django.db.models import F\n" + CLEANUP)


def test_reply_is_moderated_with_the_keyboard_then_shown_nested(new_context, story):
    """A reader answers a comment through its Reply link; a moderator approves it by key.

    The Reply link works as a plain link: the form says whom it answers. The
    first-time reader is told the reply awaits moderation. In the pending queue
    the moderator presses "a" on the highlighted row, and the reply then shows
    under the comment it answers. A reader reports the original comment through
    its Report link (a page of its own: the reason, then "Send report"), comes back
    to the story and is thanked.
    """
    story_url, wait = story
    reader = new_context().new_page()
    reader.goto(story_url)
    original = reader.locator(".comment").filter(has_text="The ferry was quicker anyway.").first
    original.get_by_role("link", name=re.compile(r"^Reply")).click()
    expect(reader.get_by_role("heading", name="Reply to Bo Original")).to_be_visible()

    reply_text = f"Not at rush hour, it was not ({time.time():.0f})"
    reader.get_by_label("Name", exact=True).fill("Cy Replier")
    reader.get_by_label("Email", exact=True).fill("cy@example.com")
    reader.get_by_label("Comment", exact=True).fill(reply_text)
    time.sleep(wait)  # an earlier test may have posted from this address just now
    reader.get_by_role("button", name="Post Comment").click()
    expect(reader.get_by_role("status")).to_contain_text("awaiting moderation")

    moderator = new_context().new_page()
    moderator.goto("/admin/")
    moderator.get_by_label("Username").fill(MODERATOR[0])
    moderator.get_by_label("Password").fill(MODERATOR[1])
    moderator.get_by_role("button", name="Log in").click()
    expect(moderator.get_by_role("table", name="Comment moderation")).to_contain_text(
        "Awaiting moderation"
    )
    moderator.goto("/admin/comments/comment/?queue=pending&q=" + "Cy+Replier")
    row = moderator.get_by_role("row").filter(has_text="Not at rush hour")
    expect(row).to_have_class(re.compile("queue-current"))
    expect(row).to_contain_text("reply to Bo Original")
    expect(row).to_contain_text("first comment from this commenter")
    moderator.keyboard.press("a")
    expect(moderator.locator(".messagelist .success")).to_contain_text("1 comment approved.")

    reader.goto(story_url)
    thread = reader.locator(".comment").filter(has_text="The ferry was quicker anyway.").first
    expect(thread.locator(".comment-replies .comment-body")).to_contain_text(reply_text)

    thread.get_by_role("link", name="Report this comment").first.click()
    expect(reader.get_by_role("heading", name="Report a comment")).to_be_visible()
    expect(reader.locator("blockquote")).to_contain_text("The ferry was quicker anyway.")
    reader.get_by_role("group", name="Why should moderators look at this comment?").get_by_label(
        "Off-topic"
    ).check()
    reader.get_by_role("button", name="Send report").click()
    expect(reader).to_have_url(re.compile(r"reported=\d+#comments$"))
    expect(reader.get_by_role("status")).to_contain_text("Your report was sent")
