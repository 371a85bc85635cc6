"""The editor's desk in a real Chromium (issue 10): imports leave a history, the kind-of-change
question appears only when it matters, and restoring a live story keeps it live."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from . import conftest
from .conftest import REPO_ROOT, manage
from .test_browser_admin import EDITOR, log_in

pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

SEED = Path(REPO_ROOT).parent / "shared" / "seed" / "story-kstp-north-korea-troops.txt"


def shell(env, code):
    """Run Python inside the site's Django (its own database), returning what it printed last."""
    return conftest.shell(env, code)[-1]


def live_story(env, slug, headline, *, days_ago=3):
    """A story published ``days_ago`` days ago through publishing.py; returns its id."""
    return int(
        shell(
            env,
            "from datetime import timedelta; from django.utils import timezone; "
            "from articles import publishing; from articles.models import Article; "
            "actor = publishing.System('tests'); "
            f"a = publishing.create(Article(slug={slug!r}, headline={headline!r}, "
            "summary='A summary.', body='<p>The first words.</p>'), by=actor); "
            f"publishing.publish(a, by=actor, at=timezone.now() - timedelta(days={days_ago})); "
            "print(a.pk)",
        )
    )


def json_ld(page):
    data = json.loads(page.locator('script[type="application/ld+json"]').first.text_content())
    items = data if isinstance(data, list) else data.get("@graph", [data])
    return next(item for item in items if item.get("@type") == "NewsArticle")


def test_an_imported_story_has_its_first_revision_and_audit_entries(new_context, site, site_env):
    manage(site_env, "import_story", str(SEED), "--publish")
    headline = next(line for line in SEED.read_text().splitlines() if line.strip()).strip()
    page = new_context().new_page()
    log_in(page, *EDITOR)
    page.goto("/admin/articles/article/?q=" + headline.split()[0])
    page.get_by_role("link", name=headline).click()
    page.get_by_role("link", name="Revisions and audit log").click()
    revisions = page.locator("#revision-list tbody tr")
    expect(revisions).to_have_count(2)
    # Newest first: published, then the first revision, both by the import command.
    expect(revisions.nth(1)).to_contain_text("Created")
    expect(revisions.nth(1)).to_contain_text("import_story")
    expect(revisions.nth(0)).to_contain_text("Published")
    audit = page.locator("#audit-log tbody")
    expect(audit).to_contain_text("Created")
    expect(audit).to_contain_text("Published")
    expect(audit).to_contain_text("import_story")
    # The original text is there to compare with: the diff of the two shows only the state.
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#diff-title")).to_be_visible()
    expect(page.locator(".diff")).not_to_contain_text("Body")


def test_no_kind_of_change_question_on_an_unchanged_save_or_a_take_down(
    new_context, site, site_env
):
    story = live_story(site_env, "desk-unchanged-save", "Harbour bridge reopens")
    page = new_context().new_page()
    log_in(page, *EDITOR)
    page.goto(f"/admin/articles/article/{story}/change/")
    question = page.locator("fieldset.kind-of-change")
    expect(question).to_be_hidden()
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    expect(page.locator(".errornote")).to_have_count(0)
    # Changing what readers see brings the question up.
    page.get_by_label("Summary").fill("A new summary readers will see.")
    expect(question).to_be_visible()
    page.reload()
    expect(question).to_be_hidden()
    page.get_by_label("Note or reason").fill("Legal advice received.")
    page.get_by_role("button", name="Save and take down").click()
    expect(page.get_by_text("is now Taken down")).to_be_visible()
    expect(page.locator(".errornote")).to_have_count(0)


def test_restoring_a_live_story_keeps_it_live_with_its_first_publication_date(
    new_context, site, site_env
):
    story = live_story(site_env, "desk-restore-live", "Original harbour headline", days_ago=5)
    reader = new_context().new_page()
    reader.goto("/story/desk-restore-live/")
    first_published = json_ld(reader)["datePublished"]
    page = new_context().new_page()
    log_in(page, *EDITOR)
    page.goto(f"/admin/articles/article/{story}/change/")
    page.get_by_label("Headline").fill("A later harbour headline")
    page.locator("#id_change_kind").select_option("typo")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    page.get_by_role("link", name="Revisions and audit log").click()
    # Revision 1 is the created draft: restore its words.
    page.locator("#revision-list tbody tr").last.get_by_role("link", name="Restore…").click()
    expect(page.get_by_text("The story stays live")).to_be_visible()
    page.locator("#id_change_kind").select_option("correction")
    page.get_by_label("Public note").fill("The headline was restored.")
    page.get_by_role("button", name=re.compile(r"Restore revision \d+")).click()
    expect(page.locator(".messagelist .success")).to_contain_text("the story is now Published")
    reader.goto("/story/desk-restore-live/")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Original harbour headline")
    expect(reader.get_by_text("The headline was restored.")).to_be_visible()
    data = json_ld(reader)
    assert data["datePublished"] == first_published
    assert data["dateModified"] != first_published
