"""Backup and restore: pg_dump of the database plus a copy of the media bucket is the site.

A story published through the admin survives: dump the database (``pg_dump -Fc``),
restore it into a new one (``pg_restore``), copy the bucket's objects into a new bucket,
lose the originals, and a fresh host pointing at the copies serves the story and its
picture. Always on PostgreSQL (its own throwaway databases), whatever the suite runs on.
"""

import io
import os
import re
import shutil
import subprocess
import tempfile
from html import unescape

import pytest
from PIL import Image

from .conftest import PostgresDatabase, demo_site_env, gunicorn, manage, postgres_server_url
from .http_client import Browser, log_in, publish_story

HEADLINE = "Lighthouse keeper retires after forty years"
STORY_URL = "/story/lighthouse-keeper-retires/"
ALT = "The lighthouse at dusk"


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (1400, 1000), (30, 40, 160)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def served_pictures(browser, url):
    """{URL: bytes} of the story's lead picture: every rendition and the original."""
    page = browser.get(url)
    assert page.status == 200, page.text[:2000]
    tag = re.search(rf'<img[^>]*alt="{re.escape(ALT)}"[^>]*>', page.text).group(0)
    urls = {unescape(re.search(r'\ssrc="([^"]+)"', tag).group(1))}
    srcset = unescape(re.search(r'\ssrcset="([^"]+)"', tag).group(1))
    urls |= {part.split()[0] for part in srcset.split(",")}
    urls.add(re.search(r'<meta property="og:image" content="([^"]+)"', page.text).group(1))
    pictures = {}
    for picture in urls:
        answer = browser.get(picture)
        assert answer.status == 200, picture
        pictures[picture.split("/media/", 1)[1]] = answer.body
    return page, pictures


def copy_bucket(client, source, target):
    """What ``aws s3 sync s3://source s3://target`` does, with boto3's server-side copy."""
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=source):
        for item in page.get("Contents", []):
            client.copy_object(
                Bucket=target, Key=item["Key"], CopySource={"Bucket": source, "Key": item["Key"]}
            )


def empty_bucket(client, bucket):
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])


def run(*command):
    subprocess.run(command, check=True, timeout=120, capture_output=True)


@pytest.fixture
def postgres_tools():
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} missing (apt-get install postgresql-client)"
        if os.environ.get("CI"):
            pytest.fail(f"required in CI: {message}")
        pytest.skip(message)


def test_a_restored_backup_serves_the_published_story(s3_server, tmp_path, postgres_tools):
    s3 = s3_server.client()
    live_bucket = s3_server.create_bucket("live")
    dump = tmp_path / "newsroom.dump"
    with demo_site_env(
        suffix="_backup", postgres=True, **s3_server.site_env(live_bucket)
    ) as live_env:
        with gunicorn(live_env) as live:
            editor = Browser(live)
            log_in(editor, "editor", "newsroom-demo")
            publish_story(
                editor,
                headline=HEADLINE,
                slug="lighthouse-keeper-retires",
                picture=("lighthouse.jpg", jpeg(), "image/jpeg"),
                alt=ALT,
            )
            _page, live_pictures = served_pictures(Browser(live, cookies=False), STORY_URL)
        run("pg_dump", "--format=custom", f"--file={dump}", live_env["DATABASE_URL"])
    # The live database is gone now (dropped on leaving demo_site_env).

    restored_db = PostgresDatabase(postgres_server_url(), suffix="_restored")
    restored_db.create()
    try:
        run(
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={restored_db.url}",
            str(dump),
        )
        restored_bucket = s3_server.create_bucket("restored")
        copy_bucket(s3, live_bucket, restored_bucket)
        empty_bucket(s3, live_bucket)  # the originals are lost: only the copies remain
        with tempfile.TemporaryDirectory(prefix="newsroom-restored-") as var_dir:
            env = live_env | s3_server.site_env(restored_bucket)
            env |= {"DATABASE_URL": restored_db.url, "NEWSROOM_VAR_DIR": var_dir}
            manage(env, "migrate", "--check")  # the dump holds the schema and its history
            manage(env, "collectstatic", "--noinput", "-v0")
            with gunicorn(env) as restored:
                page, pictures = served_pictures(Browser(restored, cookies=False), STORY_URL)
    finally:
        restored_db.drop()
    assert re.search(rf"<h1[^>]*>\s*{re.escape(HEADLINE)}\s*</h1>", page.text)
    assert pictures == live_pictures
    assert set(pictures) <= set(s3_server.objects(restored_bucket))
