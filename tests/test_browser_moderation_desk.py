"""End to end for the moderation desk's queue: it fits the screen, keys work, decisions undo.

Run with ``python -m pytest tests/test_browser_moderation_desk.py`` (see tests/conftest.py).
"""

import re
import time

import pytest
from playwright.sync_api import expect

from .test_browser_admin import log_in
from .test_browser_comments import MODERATOR, shell

pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

QUEUES = ["pending", "reported", "approved", "rejected", "spam"]
TITLES = {
    "pending": "Pending comments",
    "reported": "Reported comments",
    "approved": "Approved comments",
    "rejected": "Rejected comments",
    "spam": "Spam comments",
}

# Runs in the site's own environment: one comment per queue from commenter NAME,
# 300 characters holding a 120-character word, each with a reason for its status.
SETUP = """
from articles.models import Article
from comments import moderation
from comments.models import Comment
article = Article.objects.filter(status="published").order_by("pk").first()
body = ("W" * 120 + " " + "and then words that wrap as words do " * 10)[:300]
for queue, status, why in [
    ("pending", "pending", "first comment from this commenter"),
    ("reported", "approved", "passed every check"),
    ("approved", "approved", "passed every check"),
    ("rejected", "rejected", "uses rejected words: rude"),
    ("spam", "spam", "filled in the hidden field only robots see"),
]:
    comment = Comment.objects.create(
        article=article, name=NAME, email=f"{queue}-{NAME.split()[-1]}@example.com".lower(),
        body=body, status=status, reasons=[{"code": "test", "verdict": status, "text": why}],
    )
    if queue == "reported":
        moderation.report(comment, reason="abuse", ip_address="192.0.2.77")
"""

PENDING = """
from articles.models import Article
from comments.models import Comment
article = Article.objects.filter(status="published").order_by("pk").first()
for body in BODIES:
    Comment.objects.create(
        article=article, name=NAME, email="keys@example.com", body=body, status="pending",
        reasons=[{"code": "first_time", "verdict": "pending", "text": "first comment"}],
    )
"""

STATUSES = """
from comments.models import Comment
for c in Comment.objects.filter(name=NAME).order_by("body"):
    print(c.body, c.status, sep="|")
"""

CLEANUP = """
from comments.models import Comment
Comment.objects.filter(name=NAME).delete()
"""


@pytest.fixture
def commenter(site_env):
    """A commenter name of this test's own; their comments are removed afterwards."""
    name = f"Desk Tester {time.time_ns()}"
    yield name
    shell(site_env, f"NAME = {name!r}\n{CLEANUP}")


def statuses(site_env, name):
    return dict(line.split("|") for line in shell(site_env, f"NAME = {name!r}\n{STATUSES}"))


def add_pending(site_env, name, bodies):
    shell(site_env, f"NAME = {name!r}\nBODIES = {bodies!r}\n{PENDING}")


def open_queue(page, queue, name):
    page.goto(f"/admin/comments/comment/?queue={queue}&q={name.split()[-1]}")
    expect(page.locator("#result_list")).to_be_visible()


@pytest.mark.parametrize(
    "width,height", [(1366, 900), (390, 844)], ids=["desktop-1366", "phone-390"]
)
def test_every_queue_fits_the_screen_with_a_long_unbroken_word(
    new_context, site_env, commenter, width, height
):
    """No queue scrolls sideways, even for a comment with a 120-character word.

    The page and the list's own scroll box are no wider than the screen, and the
    row's why, story, status and time are on screen. Each queue names itself in
    the page title and heading; the reported queue shows the report count and reason.
    """
    shell(site_env, f"NAME = {commenter!r}\n{SETUP}")
    page = new_context().new_page()
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, *MODERATOR)
    for queue in QUEUES:
        open_queue(page, queue, commenter)
        expect(page).to_have_title(re.compile(rf"^{TITLES[queue]} \|"))
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLES[queue])
        rows = page.locator("#result_list tbody tr")
        if queue == "approved":  # the reported comment is approved too
            rows = rows.filter(has_not_text="Abusive")
        expect(rows).to_have_count(1)
        row = rows.first
        expect(row).to_contain_text("W" * 60)
        widths = page.evaluate(
            """() => {
                const page = document.documentElement;
                const box = document.querySelector("#changelist .results");
                return [page.scrollWidth, page.clientWidth, box.scrollWidth, box.clientWidth];
            }"""
        )
        assert widths[0] <= widths[1], f"{queue}: the page scrolls sideways {widths}"
        assert widths[2] <= widths[3], f"{queue}: the list scrolls sideways {widths}"
        for field in ["held_because", "story", "status", "created_at"]:
            cell = row.locator(f".field-{field}")
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= widths[1] + 0.5, (
                f"{queue}: the {field} cell is off screen ({box}, screen {widths[1]})"
            )
        expect(row.locator(".field-held_because")).not_to_have_text("")
        if queue == "reported":
            expect(row.locator(".field-reports")).to_contain_text("1 report")
            expect(row.locator(".field-reports")).to_contain_text("Abusive or hateful")


def test_shortcuts_work_after_ticking_a_checkbox_with_the_mouse(new_context, site_env, commenter):
    """Ticking a comment's box with the mouse leaves the keys working: a, r, s decide."""
    add_pending(site_env, commenter, ["Alpha keyed comment", "Beta keyed comment"])
    page = new_context().new_page()
    log_in(page, *MODERATOR)
    open_queue(page, "pending", commenter)

    beta = page.get_by_role("row").filter(has_text="Beta keyed comment")
    beta.locator("input.action-select").click()
    expect(beta.locator("input.action-select")).to_be_focused()
    page.keyboard.press("a")
    message = page.locator(".messagelist .success")
    expect(message).to_contain_text("1 comment approved.")
    expect(message).to_contain_text("“Beta keyed comment” (Desk Tester")

    alpha = page.get_by_role("row").filter(has_text="Alpha keyed comment")
    alpha.locator("input.action-select").click()
    page.keyboard.press("r")
    expect(page.locator(".messagelist .success")).to_contain_text("1 comment rejected.")

    open_queue(page, "rejected", commenter)
    alpha = page.get_by_role("row").filter(has_text="Alpha keyed comment")
    alpha.locator("input.action-select").click()
    page.keyboard.press("s")
    expect(page.locator(".messagelist .success")).to_contain_text("1 comment marked as spam.")
    assert statuses(site_env, commenter) == {
        "Alpha keyed comment": "spam",
        "Beta keyed comment": "approved",
    }

    # Typing in the search box types; it decides nothing.
    open_queue(page, "spam", commenter)
    page.locator("#searchbar").fill("")
    page.locator("#searchbar").press("a")
    expect(page.locator("#searchbar")).to_have_value("a")
    assert statuses(site_env, commenter)["Alpha keyed comment"] == "spam"


def test_a_decision_is_undone_from_its_message(new_context, site_env, commenter):
    """The message confirming a decision names the comments and undoes it (a POST form)."""
    add_pending(site_env, commenter, ["Gamma to be undone", "Delta stays pending"])
    page = new_context().new_page()
    log_in(page, *MODERATOR)
    open_queue(page, "pending", commenter)
    for body in ["Gamma to be undone", "Delta stays pending"]:
        page.get_by_role("row").filter(has_text=body).locator("input.action-select").click()
    page.get_by_label("Action:").select_option(label="Reject")
    page.get_by_role("button", name="Run").click()

    message = page.locator(".messagelist .success")
    expect(message).to_contain_text("2 comments rejected.")
    expect(message).to_contain_text("“Delta stays pending” (Desk Tester")
    expect(message).to_contain_text("“Gamma to be undone” (Desk Tester")
    expect(page.locator("#result_list tbody tr")).to_have_count(0)
    expect(message.locator("form")).to_have_attribute("method", "post")
    message.get_by_role("button", name="Undo").click()

    expect(page.locator(".messagelist .success")).to_contain_text(
        "Undone: 2 comments are back as they were"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Pending comments")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    assert set(statuses(site_env, commenter).values()) == {"pending"}
