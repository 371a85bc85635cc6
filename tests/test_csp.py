"""Content Security Policy: readers' pages allow no inline style or script; the admin,
where the rich-text editor sets styles as it edits, allows inline styles only.
"""

import re

import pytest
from django.urls import reverse

from articles.tests.factories import make_article, make_section, make_user
from comments.tests.factories import form_data

from .test_browser_admin import EDITOR, body_editor, log_in

STORY = "/story/harbour-bridge-reopens-after-repairs/"  # a demo story
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)


def directives(response):
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def assert_strict(response):
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy, policy
    assert directives(response)["style-src"] == ["'self'"], policy
    html = response.content.decode()
    assert not STYLE_ATTRIBUTE.search(html), STYLE_ATTRIBUTE.search(html).group()
    assert "<style" not in html


@pytest.mark.django_db
def test_readers_pages_need_and_allow_no_inline_style(client):
    """Home, story, section, search, 404 and a refused comment: strict policy, no inline style.

    The story body arrives with style attributes (as from a paste or an import);
    the body's allowlist drops them, so nothing on the page needs them.
    """
    section = make_section(name="Harbour", slug="harbour")
    article = make_article(
        section=section,
        headline="Harbour bridge reopens",
        body='<p style="text-align: center">Traffic <span style="color: red">flows</span>.</p>'
        '<h2 style="font-size: 40px">Tolls</h2><p>None.</p>',
    )
    article.refresh_from_db()
    assert article.body == "<p>Traffic flows.</p><h2>Tolls</h2><p>None.</p>"
    pages = {
        "home": client.get("/"),
        "story": client.get(article.get_absolute_url()),
        "section": client.get(section.get_absolute_url()),
        "search": client.get("/search/?q=harbour"),
        "not found": client.get("/story/no-such-story/"),
        "refused comment": client.post(
            reverse("comments:post", args=[article.pk]),
            form_data(article, token="forged"),
            headers={"sec_fetch_site": "same-origin"},
        ),
    }
    statuses = {name: response.status_code for name, response in pages.items()}
    assert statuses == {
        "home": 200,
        "story": 200,
        "section": 200,
        "search": 200,
        "not found": 404,
        "refused comment": 400,
    }
    assert "Traffic flows." in pages["story"].content.decode()
    assert "please send it again" in pages["refused comment"].content.decode()
    for name, response in pages.items():
        try:
            assert_strict(response)
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from error


@pytest.mark.django_db
def test_admin_change_form_allows_inline_styles_but_scripts_stay_nonce_only(client):
    """The rich-text editor's page loads: style-src relaxed, script-src by nonce only."""
    client.force_login(make_user(is_superuser=True))
    article = make_article(body="<p>First paragraph.</p>")
    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert response.status_code == 200
    policy = directives(response)
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"][0] == "'self'"
    (nonce,) = re.fullmatch(r"'nonce-([^']+)'", policy["script-src"][1]).groups()
    assert len(policy["script-src"]) == 2
    assert policy.keys() == directives(client.get("/")).keys()
    html = response.content.decode()
    # The editor's import map is an inline script: it runs because it carries the nonce.
    assert re.search(rf'<script type="importmap"[^>]* nonce="{re.escape(nonce)}"', html)
    assert "First paragraph." in html


# In a real browser --------------------------------------------------------------

# Collects every violation the page reports, from before its first script runs.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.cspViolations.push({
        directive: event.effectiveDirective,
        blocked: event.blockedURI,
        source: `${event.sourceFile}:${event.lineNumber}`,
    });
});
"""


def open_recording(new_context):
    context = new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return page, console


def violations(page):
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.cspViolations")


@pytest.mark.browser
def test_home_and_story_break_no_rule_of_the_strict_policy(new_context):
    """Chromium reports no violation on the home page and a story, yet enforces the policy:
    a style attribute set from outside is refused there."""
    page, console = open_recording(new_context)
    for url in ["/", STORY]:
        page.goto(url)
        assert violations(page) == [], url
    assert console == []
    page.evaluate("document.body.setAttribute('style', 'outline: 3px solid red')")
    page.wait_for_function("window.cspViolations.length > 0")
    assert [v["directive"] for v in page.evaluate("window.cspViolations")] == ["style-src-attr"]


@pytest.mark.browser
def test_admin_editor_runs_with_no_violation_and_scripts_stay_nonce_only(new_context):
    """The story form with the rich-text editor runs clean; an inline script without the
    nonce is still refused in the admin, while inline styles are allowed there."""
    page, console = open_recording(new_context)
    log_in(page, *EDITOR)
    page.goto("/admin/articles/article/add/")
    editor = body_editor(page)
    editor.click()
    page.keyboard.type("Typed into the editor.")
    page.wait_for_load_state("networkidle")
    assert violations(page) == []
    assert console == []
    page.evaluate(
        """() => {
            document.body.setAttribute('style', 'outline: 3px solid red');
            const script = document.createElement('script');
            script.textContent = 'window.injectedRan = true';
            document.head.append(script);
        }"""
    )
    page.wait_for_function("window.cspViolations.length > 0")
    assert [v["directive"] for v in page.evaluate("window.cspViolations")] == ["script-src-elem"]
    assert page.evaluate("window.injectedRan") is None
