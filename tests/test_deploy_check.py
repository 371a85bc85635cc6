"""Production settings pass ``check --deploy``; mail and HSTS behave as decided."""

import json
import os
import secrets
import subprocess
import sys

from .conftest import REPO_ROOT

# Variables of the caller's shell that would change the production settings tested.
CLEARED = {
    "DEBUG",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "SECRET_KEY",
    "SITE_URL",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
}


def production(tmp_path, *args, code=None, **env):
    """Run manage.py (``args``) or Python ``code`` under production settings."""
    base = {k: v for k, v in os.environ.items() if k not in CLEARED and not k.startswith("EMAIL_")}
    command = (
        [sys.executable, "-c", f"import django; django.setup(); {code}"]
        if code
        else [sys.executable, "manage.py", *args]
    )
    return subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=base
        | {
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "NEWSROOM_ENV": "production",
            # A random key: check --deploy rejects one with few distinct characters.
            "SECRET_KEY": secrets.token_urlsafe(45),
            "ALLOWED_HOSTS": "news.example.com",
            "NEWSROOM_VAR_DIR": str(tmp_path),
        }
        | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def deploy_check(tmp_path, **env):
    return production(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **env)


def test_production_passes_the_deployment_checks(tmp_path):
    """No warning at all; the one note says mail is not configured."""
    result = deploy_check(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS:" not in output and "ERRORS:" not in output, output
    assert "(newsroom.I001) mail: not configured" in output
    with_mail = deploy_check(tmp_path, EMAIL_HOST="smtp.example.com", EMAIL_PASSWORD="pw")
    assert with_mail.returncode == 0, with_mail.stderr
    assert "newsroom.I001" not in with_mail.stdout + with_mail.stderr


def test_mail_in_the_clear_to_another_host_fails_the_check(tmp_path):
    result = deploy_check(tmp_path, EMAIL_HOST="smtp.example.com", EMAIL_USE_TLS="0")
    assert result.returncode == 1
    assert "(newsroom.W001) Mail to smtp.example.com is sent without TLS" in result.stderr
    for fine in (
        {"EMAIL_HOST": "localhost", "EMAIL_USE_TLS": "0"},
        {"EMAIL_HOST": "127.0.0.1", "EMAIL_USE_TLS": "0"},
        {"EMAIL_HOST": "smtp.example.com", "EMAIL_USE_SSL": "1"},
    ):
        assert deploy_check(tmp_path, **fine).returncode == 0, fine
    both = deploy_check(
        tmp_path, EMAIL_HOST="smtp.example.com", EMAIL_USE_SSL="1", EMAIL_USE_TLS="1"
    )
    assert "Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both." in both.stderr


def test_production_without_a_mail_server_sends_nothing_and_logs_a_warning(tmp_path):
    """No message body (readers' words) reaches the output; one warning per message."""
    code = (
        "from django.core import mail;"
        "messages = [mail.EmailMessage(f'Digest {n}', 'A reader wrote: private words',"
        " to=['mod@example.com', 'ed@example.com'], bcc=['chief@example.com']) for n in (1, 2)];"
        "print(mail.mailers.default.send_messages(messages))"
    )
    result = production(tmp_path, code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
    assert "private words" not in result.stdout + result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines()]
    warnings = [r for r in records if r["logger"] == "newsroom.mail"]
    assert [(r["level"], r["subject"], r["recipients"]) for r in warnings] == [
        ("warning", "Digest 1", 3),
        ("warning", "Digest 2", 3),
    ]
    assert warnings[0]["event"] == (
        "Mail not sent (EMAIL_HOST is not set): 'Digest 1' to 3 recipient(s)"
    )


HSTS = (
    "from django.test import Client;"
    "response = Client().get('/healthz', headers={'x-forwarded-proto': 'https'});"
    "print(response.status_code, response.headers['Strict-Transport-Security'])"
)


def test_hsts_preload_only_when_asked_for(tmp_path):
    """Preloading is the site owner's call: off by default, and with it max-age is a year."""
    default = production(tmp_path, code=HSTS, ALLOWED_HOSTS="testserver")
    assert default.stdout.strip() == "200 max-age=2592000; includeSubDomains", default.stderr
    preload = production(tmp_path, code=HSTS, ALLOWED_HOSTS="testserver", SECURE_HSTS_PRELOAD="1")
    assert preload.stdout.strip() == "200 max-age=31536000; includeSubDomains; preload"
    assert deploy_check(tmp_path, SECURE_HSTS_PRELOAD="1").returncode == 0
    short = deploy_check(tmp_path, SECURE_HSTS_PRELOAD="1", SECURE_HSTS_SECONDS="3600")
    assert short.returncode == 1
    assert "(newsroom.W002) SECURE_HSTS_PRELOAD is on but SECURE_HSTS_SECONDS is 3600" in (
        short.stderr
    )
