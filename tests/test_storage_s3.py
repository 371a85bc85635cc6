"""Media in S3-compatible object storage, against a real S3 server (moto's, over HTTP).

Uploads through the admin land in the bucket (the library's original and renditions), the story page's
pictures are served from it byte for byte, the media view streams from disk and bucket
alike, and a storage that does not answer gives clear messages, never a 500.
"""

import io
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from articles.models import Article
from articles.tests.factories import make_article, make_user
from images import renditions as renditions_module
from images import uploads
from images.models import Picture, Rendition

from . import django_process
from .conftest import S3Server

ROOT = Path(__file__).resolve().parents[1]
ADD_URL = reverse("admin:articles_article_add")
GPS_IFD = 0x8825


def s3_storage(server, bucket):
    """STORAGES["default"] as newsroom/settings.py builds it from MEDIA_S3_* variables."""
    return {
        "BACKEND": "newsroom.storage.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "location": "",
            "endpoint_url": server.endpoint_url,
            "addressing_style": "path",
            "region_name": server.REGION,
            "access_key": server.CREDENTIALS["aws_access_key_id"],
            "secret_key": server.CREDENTIALS["aws_secret_access_key"],
        },
    }


def use_bucket(settings, server, bucket):
    settings.STORAGES = settings.STORAGES | {"default": s3_storage(server, bucket)}
    # django-imagekit remembers by name which renditions exist; start from nothing.
    cache.clear()


@pytest.fixture
def s3_bucket(settings, s3_server):
    """A fresh bucket that holds this test's media."""
    bucket = s3_server.create_bucket()
    use_bucket(settings, s3_server, bucket)
    return bucket


@pytest.fixture
def stopped_s3(settings):
    """Media in a bucket on an S3 server of its own, which the test stops (the outage)."""
    server = S3Server().start()
    use_bucket(settings, server, server.create_bucket())
    yield server
    server.stop()  # again, if the test did not: stopping twice is harmless


def photo_with_gps(width=2400, height=1600):
    """A JPEG carrying an EXIF orientation and a GPS position, as phones write them."""
    picture = Image.new("RGB", (width, height), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to display
    exif[GPS_IFD] = {1: "N", 2: (59.0, 20.0, 0.0)}
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("phone.jpg", buffer.getvalue(), content_type="image/jpeg")


def story_form(**overrides):
    """What the admin's story form posts, with an empty byline and the description of a
    new lead picture (articles/admin/forms.py), for a test to add the file to."""
    return {
        "headline": "Harbour crane lifts the new bridge span",
        "slug": "harbour-crane-lifts-span",
        "summary": "The span went up on Tuesday.",
        "body": "<p>Crowds watched from the quay.</p>",
        "tags": "harbour",
        "comment_mode": "inherit",
        "new_lead_picture_alt": "A crane lifting a steel span",
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
        "bylines-MIN_NUM_FORMS": "0",
        "bylines-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    } | overrides


class ImageTags(HTMLParser):
    """The page's <img> tags, its Open Graph meta, and the URLs of the first <picture>
    element's <source> tags (the lead picture's AVIF and WebP renditions)."""

    def __init__(self):
        super().__init__()
        self.images, self.meta, self.lead_sources = [], {}, set()
        self._pictures = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "picture":
            self._pictures += 1
        elif tag == "source" and self._pictures == 1:
            self.lead_sources |= {part.split()[0] for part in attrs["srcset"].split(",")}
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "meta" and "property" in attrs:
            self.meta[attrs["property"]] = attrs.get("content", "")


def page_images(html):
    parser = ImageTags()
    parser.feed(html)
    return parser


def picture_urls(img):
    """The src and every srcset URL of an <img>."""
    return {img["src"]} | {part.split()[0] for part in img.get("srcset", "").split(",") if part}


def webp_bytes(width=64, height=32):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (0, 90, 40)).save(buffer, "WEBP")
    return buffer.getvalue()


# Uploads through the admin ---------------------------------------------------------------


def stored_renditions(stored):
    return sorted(key for key in stored if key.startswith("pictures/renditions/"))


def largest_wide_jpeg(picture):
    """The rendition link previews show: the largest 16:9 JPEG crop (articles/seo.py)."""
    return (
        picture.renditions.filter(shape=Rendition.Shape.WIDE, format=Rendition.Format.JPEG)
        .order_by("-width")
        .first()
    )


def accept_photo(photo=None, *, alt_text="A crane lifting a steel span"):
    """A phone photo taken into the library, as the story form or a bulk upload does."""
    return uploads.accept(photo or photo_with_gps(), title="Harbour", alt_text=alt_text)


@pytest.mark.django_db
def test_admin_upload_lands_in_the_bucket_and_the_page_serves_it(client, s3_bucket, s3_server):
    """An editor's picture is stored in the bucket with all its renditions, upright and
    without GPS; every picture URL on the story page answers with the bucket's bytes."""
    client.force_login(make_user("eda", groups=["Editors"]))
    response = client.post(
        ADD_URL, story_form(new_lead_picture=photo_with_gps(), _transition="publish")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get()
    assert article.is_live
    picture = Picture.objects.get()
    assert article.lead_picture == picture
    assert picture.alt_text == "A crane lifting a steel span"

    stored = s3_server.objects(s3_bucket)
    original = picture.file.name
    assert original.startswith("pictures/originals/phone-") and original.endswith(".jpg")
    renditions = stored_renditions(stored)
    assert set(stored) == {original, *renditions}
    assert set(renditions) == {row.file.name for row in picture.renditions.all()}
    with Image.open(io.BytesIO(stored[original])) as image:
        assert image.size == (1600, 2400)  # turned upright
        assert dict(image.getexif()) == {}  # no GPS, no camera data
    formats = {"avif": "AVIF", "webp": "WEBP", "jpeg": "JPEG"}
    for row in picture.renditions.all():
        with Image.open(io.BytesIO(stored[row.file.name])) as image:
            assert image.format == formats[row.format]
            assert image.size == (row.width, row.height)
            if row.shape == Rendition.Shape.ORIGINAL:
                assert image.size[1] > image.size[0]  # upright, as the original
            assert not image.getexif().get(GPS_IFD)
    originals = picture.renditions.filter(shape=Rendition.Shape.ORIGINAL, format="jpeg")
    assert sorted(originals.values_list("width", flat=True)) == renditions_module.WIDTHS

    reader = Client()
    page = reader.get(article.get_absolute_url())
    assert page.status_code == 200
    found = page_images(page.content.decode())
    (lead,) = [img for img in found.images if img.get("alt") == "A crane lifting a steel span"]
    assert {url.rsplit(".", 1)[1] for url in found.lead_sources} == {"avif", "webp"}
    urls = picture_urls(lead) | found.lead_sources
    # The site's own /media/ (no signed bucket URLs in a cached page), all renditions.
    assert urls and {url.removeprefix("/media/") for url in urls} <= set(renditions)
    og_image = found.meta["og:image"]
    assert og_image == f"http://testserver/media/{largest_wide_jpeg(picture).file.name}"
    for url in [*urls, og_image]:
        served = reader.get(url)
        assert served.status_code == 200, url
        key = url.split("/media/", 1)[1]
        assert served.getvalue() == stored[key]
        assert served["Content-Length"] == str(len(stored[key]))


@pytest.mark.django_db
def test_a_new_picture_never_replaces_an_old_one(s3_bucket, s3_server):
    """Two pictures uploaded with the same file name are two sets of objects: a revision
    or a cached page showing the first picture still gets the first picture."""
    first = make_article(lead_picture=accept_photo(alt_text="First"))
    first_files = {first.lead_picture.file.name} | {
        row.file.name for row in first.lead_picture.renditions.all()
    }
    before = {key: data for key, data in s3_server.objects(s3_bucket).items() if key in first_files}
    second = make_article(lead_picture=accept_photo(photo_with_gps(1200, 800), alt_text="Second"))
    second_files = {second.lead_picture.file.name} | {
        row.file.name for row in second.lead_picture.renditions.all()
    }
    assert first.lead_picture != second.lead_picture
    assert not first_files & second_files
    stored = s3_server.objects(s3_bucket)
    assert first_files | second_files == set(stored)
    assert {key: stored[key] for key in first_files} == before  # untouched


@pytest.mark.django_db
def test_pictures_on_a_cdn(client, settings, s3_bucket):
    """With MEDIA_URL on a CDN, pages point at the CDN, og:image too (not at SITE_URL)."""
    settings.MEDIA_URL = "https://cdn.example.com/media/"
    settings.SITE_URL = "https://news.example.com"
    picture = accept_photo(photo_with_gps(600, 400), alt_text="Quay")
    article = make_article(lead_picture=picture)
    found = page_images(client.get(article.get_absolute_url()).content.decode())
    (lead,) = [img for img in found.images if img.get("alt") == "Quay"]
    urls = picture_urls(lead) | found.lead_sources
    assert urls
    assert all(url.startswith("https://cdn.example.com/media/pictures/renditions/") for url in urls)
    wide = largest_wide_jpeg(picture)
    assert found.meta["og:image"] == f"https://cdn.example.com/media/{wide.file.name}"


# The media view, on disk and in a bucket ------------------------------------------------


@pytest.fixture(params=["disk", "bucket"])
def stored_picture(request, settings):
    """A WebP rendition stored on the local disk or in a bucket, and its bytes."""
    if request.param == "bucket":
        request.getfixturevalue("s3_bucket")
    data = webp_bytes()
    name = default_storage.save("renditions/test/picture.webp", ContentFile(data))
    return name, data


@pytest.mark.django_db
def test_media_view_streams_with_headers_for_caches(client, stored_picture):
    name, data = stored_picture
    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert response.getvalue() == data
    assert response["Content-Type"] == "image/webp"
    assert response["Content-Length"] == str(len(data))
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response["ETag"] and response["Last-Modified"]

    again = client.get(f"/media/{name}", headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304
    assert again["ETag"] == response["ETag"] and not again.content
    since = client.get(f"/media/{name}", headers={"if-modified-since": response["Last-Modified"]})
    assert since.status_code == 304

    head = client.head(f"/media/{name}")
    assert head.status_code == 200
    assert head["Content-Length"] == str(len(data)) and head["Content-Type"] == "image/webp"
    assert head["ETag"] == response["ETag"]
    assert not head.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "renditions/test/missing.webp",
        "renditions/test/",
        "renditions",
        "",
        "../secret.txt",
        "renditions/../../secret.txt",
        "renditions/./test/picture.webp",
        "renditions//test/picture.webp",
        "/etc/passwd",
        "renditions\\test\\picture.webp",
    ],
)
def test_media_view_answers_404_for_anything_else(client, settings, stored_picture, path):
    """Missing files, folders and any path outside media storage are 404, nothing else."""
    (Path(settings.MEDIA_ROOT).parent / "secret.txt").write_text("not for readers")
    response = client.get(f"/media/{path}")
    assert response.status_code == 404
    assert b"not for readers" not in response.content


@pytest.mark.django_db
def test_media_view_only_reads(client, stored_picture):
    name, _data = stored_picture
    assert client.post(f"/media/{name}").status_code == 405
    assert client.delete(f"/media/{name}").status_code == 405


# When object storage does not answer ------------------------------------------------------


@pytest.mark.django_db
def test_media_view_answers_503_when_storage_is_down(client, stopped_s3):
    name = default_storage.save("renditions/test/picture.webp", ContentFile(webp_bytes()))
    stopped_s3.stop()
    for method in (client.get, client.head):
        response = method(f"/media/{name}")
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert response["Cache-Control"] == "no-store"
    assert "media storage is not answering" in client.get(f"/media/{name}").content.decode()
    ready = client.get("/readyz")
    assert ready.status_code == 200  # pages still render: keep this host in rotation
    assert ready.json()["status"] == "degraded"
    assert ready.json()["media"].startswith("unreachable")


STORAGE_DOWN = "Media storage, where pictures are kept, is not answering just now"


@pytest.mark.django_db
def test_saving_a_story_with_a_picture_while_storage_is_down(client, stopped_s3):
    """The editor gets the form back with a clear message and what they typed; nothing
    is saved: no story, no picture in the library."""
    stopped_s3.stop()
    client.force_login(make_user("eda", groups=["Editors"]))
    response = client.post(
        ADD_URL,
        story_form(
            new_lead_picture=photo_with_gps(),
            new_lead_picture_caption="Tuesday on the quay",
            summary="Keep this summary",
            _transition="publish",
        ),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert STORAGE_DOWN in text
    assert "Nothing was saved" in text
    assert "Keep this summary" in text
    assert 'value="Harbour crane lifts the new bridge span"' in text
    assert 'value="A crane lifting a steel span"' in text
    assert 'value="Tuesday on the quay"' in text
    assert not Article.objects.exists()
    assert not Picture.objects.exists() and not Rendition.objects.exists()


@pytest.mark.django_db
def test_adding_a_picture_to_a_story_while_storage_is_down(client, stopped_s3):
    """Uploading a lead picture while editing a story, with storage away: the form comes
    back with the message and the edit; the story is as it was, the library unchanged."""
    article = make_article(headline="Before the outage")
    stopped_s3.stop()
    client.force_login(make_user("eda", groups=["Editors"]))
    change_url = reverse("admin:articles_article_change", args=[article.pk])
    response = client.post(
        change_url,
        story_form(
            headline="Edited during the outage",
            slug=article.slug,
            new_lead_picture=photo_with_gps(),
            expected_version=str(article.version),
            change_kind="update",
            change_note="A picture was added.",
        ),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert STORAGE_DOWN in text
    assert 'value="Edited during the outage"' in text
    saved = Article.objects.get(pk=article.pk)
    assert saved.headline == "Before the outage"
    assert saved.version == article.version
    assert saved.lead_picture_id is None
    assert saved.revisions.count() == article.revisions.count()
    assert not Picture.objects.exists()


@pytest.mark.django_db
def test_editing_a_story_whose_picture_is_stored_while_storage_is_down(client, stopped_s3):
    """A story whose picture is already in the bucket: its text can be edited and saved
    while storage is away (the stored picture is neither re-read nor re-checked), and
    the picture stays as it was."""
    picture = accept_photo(photo_with_gps(600, 400), alt_text="Quay")
    article = make_article(lead_picture=picture)
    files = {picture.file.name} | {row.file.name for row in picture.renditions.all()}
    stopped_s3.stop()
    editor = make_user("eda", groups=["Editors"])
    client.force_login(editor)
    change_url = reverse("admin:articles_article_change", args=[article.pk])
    assert client.get(change_url).status_code == 200
    response = client.post(
        change_url,
        story_form(
            headline="Edited while storage was down",
            slug=article.slug,
            lead_picture=str(picture.pk),
            new_lead_picture_alt="",
            expected_version=str(article.version),
            change_kind="typo",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = Article.objects.get(pk=article.pk)
    assert saved.headline == "Edited while storage was down"
    assert saved.lead_picture == picture
    kept = Picture.objects.get()
    assert (kept.file.name, kept.version, kept.width, kept.height) == (
        picture.file.name,
        picture.version,
        400,  # upright, as accepted
        600,
    )
    assert {kept.file.name} | {row.file.name for row in kept.renditions.all()} == files


# Settings ----------------------------------------------------------------------------------


def django_settings(code, **env):
    return django_process.run_django(
        f"from django.conf import settings; {code}", clear={"MEDIA_*"}, **env
    )


def test_media_s3_variables_choose_the_bucket():
    result = django_settings(
        "from django.core.files.storage import storages; s = storages['default'];"
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.region_name, s.location,"
        " s.file_overwrite)",
        MEDIA_S3_BUCKET="newsroom-media",
        MEDIA_S3_ENDPOINT_URL="https://s3.example.net",
        MEDIA_S3_REGION="eu-central-1",
        MEDIA_S3_PREFIX="/site-a/",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "MediaS3Storage",
        "newsroom-media",
        "https://s3.example.net",
        "eu-central-1",
        "site-a",
        "False",
    ]


def test_by_default_media_stay_on_the_local_disk():
    result = django_settings(
        "from django.core.files.storage import storages;"
        " print(type(storages['default']).__name__, settings.MEDIA_URL)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["MediaFileSystemStorage", "/media/"]


def test_a_cdn_media_url_is_allowed_to_show_pictures():
    result = django_settings(
        "print(settings.MEDIA_URL, *settings.SECURE_CSP['img-src'])",
        MEDIA_URL="https://cdn.example.com/media",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "https://cdn.example.com/media/"
    assert "https://cdn.example.com" in result.stdout.split()[1:]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MEDIA_S3_ENDPOINT_URL": "https://s3.example.net"}, "set without MEDIA_S3_BUCKET"),
        ({"MEDIA_URL": "cdn.example.com/media/"}, "use a path (/media/) or an https:// URL"),
    ],
)
def test_incomplete_media_settings_are_refused(env, message):
    result = django_settings("", **env)
    assert result.returncode != 0
    assert message in result.stderr
