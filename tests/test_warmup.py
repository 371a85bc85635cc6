"""Loading the application prepares what each worker's first requests would (newsroom/warmup.py),
and opens no connection that gunicorn's forked workers would then share."""

import json
import logging
import tempfile
import unittest
from pathlib import Path

from django.conf import settings
from django.template import engines
from django.test import override_settings

from newsroom import warmup

from . import django_process
from .conftest import postgres_server_url

# What a process holds once it has imported the WSGI application, as gunicorn's master
# does with preload_app, before any request.
LOADED = """
import json, os, sys
import newsroom.wsgi
from django.template import engines
loader = engines["django"].engine.template_loaders[0]
def target(fd):
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except FileNotFoundError:  # the directory listing's own descriptor, closed since
        return ""
from scoring import baseline
from django.core.validators import EmailValidator
from django.utils.functional import empty
sockets = [fd for fd in os.listdir("/proc/self/fd") if target(fd).startswith("socket:")]
print(json.dumps({
    "modules": sorted(m for m in sys.modules if m in {
        "redis", "articles.urls", "articles.views", "comments.urls", "comments.views",
    }),
    "templates": sorted(loader.get_template_cache),
    "sockets": len(sockets),
    "abuse_model": type(baseline._abuse[1]).__name__ if baseline._abuse else None,
    "email_pattern": EmailValidator.domain_regex._wrapped is not empty,
}))
"""


def loaded(**env):
    result = django_process.run_django(
        LOADED,
        clear={"DJANGO_SETTINGS_MODULE", "DEBUG", "PAGE_CACHE_SECONDS"},
        NEWSROOM_ENV="production",
        SECRET_KEY="w" * 60,
        ALLOWED_HOSTS="news.example",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_loaded_application_has_its_urls_templates_and_cache_client_but_no_connection(
    tmp_path,
):
    state = loaded(
        REDIS_URL="redis://127.0.0.1:6379/14",
        DATABASE_URL=f"{postgres_server_url().rstrip('/')}/postgres",
        NEWSROOM_VAR_DIR=str(tmp_path),
    )
    # The URLconfs and their views, and the Redis client library (240 ms to import).
    assert state["modules"] == [
        "articles.urls",
        "articles.views",
        "comments.urls",
        "comments.views",
        "redis",
    ]
    # The project's templates are compiled; the admin's own load as staff use them.
    for name in ("base.html", "articles/home.html", "articles/article_detail.html", "404.html"):
        assert name in state["templates"]
    assert "admin/change_list.html" not in state["templates"]
    # The abuse model is read (converted first, into the var directory) before any
    # comment: the first comments after a start no longer wait for it, worker by worker.
    assert state["abuse_model"] == "CalibratedEnsemble"
    assert list((tmp_path / "scoring").glob("profanity-check-*.npz"))
    # So is the pattern a comment's email address is checked against (30 ms to compile).
    assert state["email_pattern"] is True
    # Neither PostgreSQL nor Redis was connected: forked workers must not share a socket.
    assert state["sockets"] == 0


def test_a_template_that_does_not_compile_is_named_and_the_others_still_load():
    var = Path(settings.BASE_DIR) / "var"
    var.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=var) as directory:
        Path(directory, "fine.html").write_text("<p>{{ word }}</p>")
        Path(directory, "broken.html").write_text("{% if %}")
        templates = [{**settings.TEMPLATES[0], "DIRS": [directory], "APP_DIRS": False}]
        with (
            override_settings(TEMPLATES=templates),
            unittest.TestCase().assertLogs("newsroom.warmup", logging.INFO) as logs,
        ):
            warmup.warm()
            cache = engines["django"].engine.template_loaders[0].get_template_cache
            assert "fine.html" in cache
    messages = [record.getMessage() for record in logs.records]
    assert any(m.startswith("Template broken.html does not compile") for m in messages)
    assert any(", 1 templates and scoring, comments in " in m for m in messages), messages
