"""Every public page type passes the Nu HTML Checker (vnu.jar from npm) without errors.

The pages are rendered by Django's test client from stories made with the factories,
written to files, and checked in a single Java run (the checker takes seconds to start).
"""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from articles import publishing, views
from articles.tests.factories import (
    make_article,
    make_contributor,
    make_picture,
    make_section,
    make_user,
)
from comments.models import Comment
from comments.tests.factories import make_comment
from wire.tests.factories import attach_source

from .validators import require_vnu, run_vnu

pytestmark = pytest.mark.django_db


def build_site():
    """A small site with every kind of content a page can show."""
    now = timezone.now()
    local = make_section(name="Local", slug="local", description="News from the town.")
    culture = make_section(name="Culture & arts", slug="culture")
    editor = make_user(groups=["Editors"])
    ann = make_contributor(name="Ann Lee", slug="ann-lee", bio="Covers the harbour.\n\nAnd more.")
    agency = make_contributor(name="Wire & Co", slug="wire")
    inline = make_picture(480, 360, alt_text="Sandbags", credit="Ann Lee")
    cards = [make_picture(320, 180, alt_text=f"Picture {n}") for n in range(3)]
    story = make_article(
        headline="Harbour bridge reopens after “eight months” of repairs",
        summary="Traffic <flows> again & cyclists get a lane.",
        body=(
            "<p>The first cars crossed at six.</p><h2>What changed</h2>"
            "<ul><li>New joints</li><li>Paint</li></ul><blockquote><p>We asked a lot.</p>"
            "</blockquote><p><a href='https://example.org/'>Council report</a></p>"
            f'<figure class="figure" data-picture="{inline.pk}"><img src="/x.jpg" alt="x">'
            "<figcaption>Sandbags on the quay.</figcaption></figure>"
        ),
        section=local,
        byline=[ann, agency],
        tags=["transport", "Millbrook"],
        lead_picture=make_picture(
            640,
            360,
            alt_text="The bridge at dawn",
            caption="The bridge on Monday.",
            credit="Photo: Desk",
        ),
        publish_at=now - timedelta(hours=3),
    )
    attach_source(story, original_url="https://kstp.com/news/bridge-reopens")
    publishing.record_change(story, by=editor, kind="correction", note="A name was misspelt.")
    # Approved comments: featured, a reply, a link and markup typed by a reader.
    first = make_comment(
        story,
        body="Good <b>news</b> & more.\nSee https://example.org/report?a=1&b=2",
        status=Comment.Status.APPROVED,
        featured=True,
    )
    make_comment(story, parent=first, body="A reply.", status=Comment.Status.APPROVED)
    for n in range(22):
        picture = {"lead_picture": cards[n]} if n < 3 else {}
        make_article(
            headline=f"Story {n}",
            section=[local, culture][n % 2],
            byline=[ann],
            tags=["transport"],
            publish_at=now - timedelta(days=n + 1),
            **picture,
        )
    gone = make_article(headline="Removed story")
    publishing.take_down(gone, by=editor, reason="Legal")
    return story, gone


def test_every_page_type_is_valid_html(client, tmp_path):
    """Front page, lists, archives, search, story and error pages: no checker errors."""
    require_vnu()
    story, gone = build_site()
    day = timezone.localtime(story.publish_at)
    urls = {
        "home": "/",
        "home-page-2": "/?page=2",
        "story": story.get_absolute_url(),
        "story-plain": make_article(headline="Plain story").get_absolute_url(),
        "section": "/section/local/",
        "tag": "/tag/transport/",
        "contributor": "/contributor/ann-lee/",
        "year": f"/{day:%Y}/",
        "month": f"/{day:%Y/%m}/",
        "day": f"/{day:%Y/%m/%d}/",
        "search": "/search/?q=bridge",
        "corrections": "/corrections/",
        "search-empty": "/search/",
        "search-nothing": "/search/?q=zeppelin",
        "not-found": "/story/no-such-story/",
        "page-too-deep": "/?page=100000",
        "gone": gone.get_absolute_url(),
    }
    files = []
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code in {200, 404, 410}, (url, response.status_code)
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(path)
    server_error = views.server_error(RequestFactory().get("/"))
    (tmp_path / "server-error.html").write_bytes(server_error.content)
    files.append(tmp_path / "server-error.html")

    messages = run_vnu(files)

    errors = [
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']} — {m.get('extract', '')!r}"
        for m in messages
        if m["type"] in {"error", "non-document-error"}
    ]
    assert not errors, "\n".join(errors)
