"""Small factories for tests: make_article(**overrides) and friends."""

import io
import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles.models import Article, Byline, Contributor, Section

_numbers = itertools.count(1)


def make_section(**overrides):
    n = next(_numbers)
    fields = {"name": f"Section {n}", "slug": f"section-{n}"} | overrides
    return Section.objects.create(**fields)


def make_contributor(**overrides):
    n = next(_numbers)
    fields = {"name": f"Reporter {n}", "slug": f"reporter-{n}"} | overrides
    return Contributor.objects.create(**fields)


def make_article(*, byline=(), tags=(), **overrides):
    """A live story unless overrides say otherwise."""
    n = next(_numbers)
    fields = {
        "headline": f"Story number {n}",
        "slug": f"story-{n}",
        "summary": f"Summary of story {n}.",
        "body": f"<p>First paragraph of story {n}.</p><p>Second paragraph.</p>",
        "status": Article.Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=1),
    } | overrides
    article = Article.objects.create(**fields)
    for position, contributor in enumerate(byline):
        Byline.objects.create(article=article, contributor=contributor, position=position)
    if tags:
        article.tags.set(list(tags))
    return article


def make_draft(**overrides):
    return make_article(**{"status": Article.Status.DRAFT, "publish_at": None} | overrides)


def make_user(username=None, *, groups=(), is_staff=True, password="pw-for-tests-1", **extra):
    username = username or f"user{next(_numbers)}"
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=is_staff, **extra
    )
    if groups:
        user.groups.set(Group.objects.filter(name__in=groups))
    return user


def picture_file(width=120, height=80, fmt="PNG", name="picture.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


_pictures_made = 0


def make_picture(width=640, height=360, *, fmt="JPEG", **overrides):
    """A library picture, through ``images.uploads.accept`` (renditions made), each one
    a different file (the library takes the same file once)."""
    from images import uploads

    global _pictures_made  # noqa: PLW0603
    _pictures_made += 1
    colour = (_pictures_made * 37 % 256, _pictures_made * 91 % 256, 120)
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, fmt)
    upload = SimpleUploadedFile(
        f"picture-{_pictures_made}.{fmt.lower()}", buffer.getvalue(), f"image/{fmt.lower()}"
    )
    fields = {"title": f"Picture {_pictures_made}", "alt_text": "A coloured rectangle"}
    return uploads.accept(upload, **(fields | overrides))
