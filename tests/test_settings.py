"""Settings come from the environment; production mode fails fast without its secrets."""

import os
import subprocess
import sys
from pathlib import Path

from . import django_process

ROOT = Path(__file__).resolve().parents[1]


def run_django(code, **env):
    return django_process.run_django(code, clear={"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}, **env)


def test_production_refuses_to_start_without_secret_key_and_hosts():
    result = run_django("", NEWSROOM_ENV="production")
    assert result.returncode != 0
    assert "needs these environment variables: SECRET_KEY, ALLOWED_HOSTS" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run_django(
        "", NEWSROOM_ENV="production", SECRET_KEY="short", ALLOWED_HOSTS="news.example"
    )
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_production_starts_with_its_secrets_and_debug_off():
    result = run_django(
        "from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS, settings.SESSION_COOKIE_SECURE)",
        NEWSROOM_ENV="production",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="news.example,www.news.example",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['news.example', 'www.news.example'] True"


def test_debug_is_off_unless_asked_for():
    assert (
        run_django("from django.conf import settings; print(settings.DEBUG)").stdout.strip()
        == "False"
    )
    on = run_django("from django.conf import settings; print(settings.DEBUG)", DEBUG="1")
    assert on.stdout.strip() == "True"
    bad = run_django("", DEBUG="maybe")
    assert "DEBUG='maybe' is not a boolean" in bad.stderr


def test_database_from_url_with_sqlite_default(tmp_path):
    code = "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d['NAME'])"
    default = run_django(code, DATABASE_URL="", NEWSROOM_VAR_DIR=str(tmp_path))
    assert default.stdout.strip() == f"django.db.backends.sqlite3 {tmp_path / 'newsroom.sqlite3'}"
    postgres = run_django(code, DATABASE_URL="postgres://u@db.example:5432/news")
    assert postgres.stdout.strip() == "django.db.backends.postgresql news"


def test_demo_content_is_never_loaded_in_production(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "load_demo"],
        cwd=ROOT,
        env=os.environ
        | {
            "NEWSROOM_ENV": "production",
            "SECRET_KEY": "x" * 60,
            "ALLOWED_HOSTS": "news.example",
            "NEWSROOM_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "never loaded in production mode" in result.stderr
