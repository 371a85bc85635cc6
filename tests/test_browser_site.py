"""The reader's site in a real Chromium, served by gunicorn with the demo content.

Accessibility (axe-core, WCAG 2.2 AA) on every public page type, no request to any
other origin and no Content-Security-Policy violation, a working site without
JavaScript, a layout that fits a phone, and a print stylesheet.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from playwright.sync_api import expect

from articles import views

from .django_process import run_django
from .validators import AXE_JS, require_axe

pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

STORY = "Harbour bridge reopens after eight months of repairs"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"width": 360, "height": 740}


# The demo has no comments: a thread on a story no other browser test expects to be
# silent (tests/test_browser.py counts on the lead story having none), for the story
# page with comments, a reply being written, and the report page.
COMMENTED_STORY = "Volunteers count a record number of swifts over the old mill"
THREAD = """
from articles.models import Article
from comments.models import Comment
article = Article.objects.get(headline=STORY)
first, _ = Comment.objects.get_or_create(
    article=article, name="Ida Axe", email="ida@example.com", body="Featured, with a reply.",
    defaults={"status": "approved", "featured": True},
)
Comment.objects.get_or_create(
    article=article, name="Jo Axe", email="jo@example.com", body="A reply.\\nTwo lines.",
    parent=first, root=first, depth=1, defaults={"status": "approved"},
)
print(article.get_absolute_url(), first.pk)
"""


@pytest.fixture
def comment_pages(site_env):
    """A story with a comment thread, as a reader replying sees it, and a report page."""
    done = run_django(f"STORY = {COMMENTED_STORY!r}\n{THREAD}", environ=site_env)
    assert done.returncode == 0, done.stderr
    story, pk = done.stdout.split()[-2:]
    # ?reply_to= also renders the page afresh, whatever the page cache holds.
    return {"story with comments": f"{story}?reply_to={pk}", "report": f"/comments/report/{pk}/"}


def public_pages(page):
    """Every public page type of the demo site, found by following links like a reader."""
    page.goto("/")
    story = page.get_by_role("link", name=STORY).first.get_attribute("href")
    page.goto(story)
    day = page.locator(".story .meta time a").get_attribute("href")
    contributor = page.locator(".story a.author").first.get_attribute("href")
    tag = page.get_by_role("list", name="Tags").get_by_role("link").first.get_attribute("href")
    section = page.locator(".story .kicker a").get_attribute("href")
    year, month = re.fullmatch(r"/(\d{4})/(\d{2})/\d{2}/", day).groups()
    return {
        "home": "/",
        "story": story,
        "section": section,
        "tag": tag,
        "contributor": contributor,
        "year": f"/{year}/",
        "month": f"/{year}/{month}/",
        "day": day,
        "search": "/search/?q=bridge",
        "search form": "/search/",
        "corrections": "/corrections/",
        "not found": "/story/no-such-story/",
    }


def error_pages():
    """The 410 and 500 pages, rendered here: the demo has no story taken down or failing."""
    return {
        "gone": render_to_string("410.html", {"SITE_NAME": "Newsroom"}),
        "server error": views.server_error(RequestFactory().get("/")).content.decode(),
    }


def serve_error_pages(page, site):
    """Answer /__error/<name> with a rendered error page, so it loads the site's own CSS."""

    def answer_with(html):
        def handler(route):
            route.fulfill(status=200, body=html, content_type="text/html; charset=utf-8")

        return handler

    pages = error_pages()
    for name, html in pages.items():
        page.route(f"{site}/__error/{name.replace(' ', '-')}", answer_with(html))
    return {name: f"/__error/{name.replace(' ', '-')}" for name in pages}


def axe_violations(page):
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }""",
        WCAG_AA,
    )


def test_every_page_type_passes_axe_at_wcag_22_aa(browser, site, comment_pages):
    """axe-core finds no WCAG 2.2 A/AA violation on any public page type, on desktop or phone."""
    require_axe()
    problems = []
    # Every page on a desktop screen; on a phone, the pages whose layout changes most.
    on_phone = {"home", "story", "story with comments", "search"}
    for viewport in [{"width": 1280, "height": 900}, PHONE]:
        # axe is injected as a script: only this test's context lifts the CSP for it.
        context = browser.new_context(base_url=site, bypass_csp=True, viewport=viewport)
        try:
            page = context.new_page()
            urls = public_pages(page) | comment_pages | serve_error_pages(page, site)
            for name, url in urls.items():
                if viewport is PHONE and name not in on_phone:
                    continue
                page.goto(url)
                for violation in axe_violations(page):
                    problems.append(f"{viewport['width']}px {name} ({url}): {violation}")
        finally:
            context.close()
    assert not problems, "\n".join(problems)


def test_pages_load_only_from_the_site_and_respect_the_csp(new_context, site):
    """Fonts, styles, pictures: every request goes to the site itself; nothing breaks the CSP."""
    page = new_context().new_page()
    urls = public_pages(page)
    requests, csp_errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            csp_errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for url in urls.values():
        page.goto(url)
        page.wait_for_load_state("networkidle")
    origin = urlsplit(site).netloc
    foreign = {
        url for url in requests if not url.startswith("data:") and urlsplit(url).netloc != origin
    }
    assert not foreign, foreign
    assert not csp_errors, csp_errors
    assert any(url.endswith(".css") for url in requests)


def test_reader_finds_and_reads_a_story_without_javascript(browser, site):
    """With JavaScript off, a reader searches, pages through results and opens a story."""
    context = browser.new_context(base_url=site, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        search = page.get_by_role("search", name="Site search")
        search.get_by_role("searchbox", name="Search stories").fill("harbour bridge")
        search.get_by_role("button", name="Search").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Search results for “harbour bridge”"
        )
        expect(page.locator(".snippet mark").first).to_be_visible()
        page.get_by_role("link", name=STORY).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(STORY)
        page.locator(".story a.author").first.click()
        expect(page.get_by_role("link", name=STORY)).to_be_visible()
    finally:
        context.close()


def test_layout_fits_a_phone(browser, site):
    """On a 360-pixel-wide phone no page scrolls sideways, and the lead picture fits the screen."""
    context = browser.new_context(base_url=site, viewport=PHONE)
    try:
        page = context.new_page()
        for name, url in public_pages(page).items():
            page.goto(url)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} ({url}) is {overflow}px wider than the screen"
        page.goto("/")
        page.get_by_role("link", name=STORY).first.click()
        box = page.locator(".lead-image img").bounding_box()
        assert 0 < box["width"] <= PHONE["width"]
        # Width and height attributes keep the picture's shape before it loads.
        assert abs(box["width"] / box["height"] - 1200 / 675) < 0.02
    finally:
        context.close()


def test_print_shows_the_story_without_navigation_or_forms(new_context):
    """Printing a story keeps the headline, dates and text, and drops menus and the comment form."""
    page = new_context().new_page()
    page.goto("/")
    page.get_by_role("link", name=STORY).first.click()
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".story .meta")).to_contain_text("Published")
    expect(page.locator(".story-body")).to_be_visible()
    for hidden in [".site-nav", ".site-search", "#comment-form", ".tags", ".footer-links"]:
        expect(page.locator(hidden)).to_be_hidden()
