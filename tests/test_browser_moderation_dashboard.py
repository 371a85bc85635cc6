"""End to end for the moderation dashboard: charts drawn by the server, read without JavaScript.

A moderator opens the dashboard from the admin index and from the comment list; its
charts are inline SVG with their titles, visible with JavaScript switched off, and the
page raises no console error or CSP violation with it on. Run with
``python -m pytest tests/test_browser_moderation_dashboard.py`` (see tests/conftest.py).
"""

import pytest
from playwright.sync_api import expect

from tests.test_browser_admin import log_in, watch_for_problems
from tests.test_browser_comments import MODERATOR, shell

pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

DASHBOARD = "/admin/comments/comment/dashboard/"
CHARTS = {
    "chart-queues": "Queues now",
    "chart-posted": "Comments posted per day, by status now",
    "chart-decided": "Moderators' decisions per day, by status now",
    "chart-reports": "Readers' reports per day",
    "chart-reasons": "Decisions by reason",
    "chart-moderators": "Decisions by moderator",
}

# Decided comments (rejected, spam): in the charts, but in no reader's page and in
# no queue other browser tests work through.
SETUP = """
from articles.models import Article
from comments import moderation
from comments.models import Comment
from django.contrib.auth import get_user_model
article = Article.objects.order_by("pk").first()
moderator = get_user_model().objects.get(username="moderator")
held = {"code": "links", "verdict": "pending", "text": "too many links"}
comments = [
    Comment.objects.create(
        article=article, name="Dash <Board>", email=f"dash{n}@example.com",
        body=f"Buy cheap things {n}", reasons=[held],
    )
    for n in range(3)
]
moderation.reject(comments[:2], by=moderator)
moderation.mark_spam(comments[2:], by=moderator)
print(" ".join(str(c.pk) for c in comments))
"""

CLEANUP = """
from comments.models import Comment
Comment.objects.filter(pk__in=PKS).delete()
"""

# Chromium logs CSP refusals to the console too; this makes each one an error there.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture
def decisions(site_env):
    """Three comments a moderator decided, removed again afterwards."""
    pks = [int(pk) for pk in shell(site_env, SETUP)[-1].split()]
    yield pks
    shell(site_env, f"PKS = {pks!r}\n{CLEANUP}")


@pytest.fixture
def open_context(browser, site):
    contexts = []

    def open_context(**options):
        context = browser.new_context(base_url=site, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


def test_the_charts_are_readable_without_javascript(open_context, decisions):
    """With JavaScript off, every chart is drawn with its title, its data a click away."""
    page = open_context(java_script_enabled=False).new_page()
    log_in(page, *MODERATOR)
    page.goto(DASHBOARD)
    expect(page.get_by_role("heading", name="Moderation dashboard")).to_be_visible()
    for chart_id, title in CHARTS.items():
        chart = page.locator(f"svg#{chart_id}")
        expect(chart).to_be_visible()
        expect(chart.locator("> title")).to_have_text(title)
        expect(page.get_by_role("img", name=title, exact=True)).to_be_visible()
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 50, (chart_id, box)
    # The moderator's three decisions are drawn as bars, named in their tooltips.
    moderators = page.locator("svg#chart-moderators")
    expect(moderators.locator("text", has_text="Mo Moderator")).to_be_visible()
    assert moderators.locator("rect > title").count() >= 2
    # The figures behind a chart open as a table (a <details>, no script needed).
    figure = page.locator("#chart-moderators-figure")
    table = figure.get_by_role("table")
    expect(table).to_be_hidden()
    figure.get_by_text("The figures as a table").click()
    expect(table).to_be_visible()
    expect(table.get_by_role("row", name="Mo Moderator")).to_be_visible()


def test_a_moderator_finds_the_dashboard_and_it_raises_no_errors(open_context, site, decisions):
    """From the admin index and the comment list; no console error, no CSP violation."""
    context = open_context()
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    log_in(page, *MODERATOR)
    problems = watch_for_problems(page, site)
    page.goto("/admin/")
    page.locator("#moderation-queues").get_by_role("link", name="Moderation dashboard").click()
    expect(page).to_have_url(site + DASHBOARD)
    for chart_id, title in CHARTS.items():
        expect(page.locator(f"svg#{chart_id} > title")).to_have_text(title)
    page.goto("/admin/comments/comment/")
    page.locator(".object-tools").get_by_role("link", name="Moderation dashboard").click()
    expect(page).to_have_url(site + DASHBOARD)
    expect(page.get_by_role("img", name="Decisions by reason", exact=True)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert problems == []
