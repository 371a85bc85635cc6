"""Sign-in settings come from the environment, with safe defaults per mode."""

from pathlib import Path

from tests import django_process

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"NEWSROOM_ENV": "production", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "news.example"}
SHOW = (
    "from django.conf import settings as s; "
    "print(s.REQUIRE_STAFF_2FA, s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()), "
    "repr(s.WEBAUTHN_RP_ID), s.WEBAUTHN_ORIGINS)"
)
VARIABLES = [
    "REQUIRE_STAFF_2FA",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "WEBAUTHN_RP_ID",
    "WEBAUTHN_ORIGINS",
    "SITE_URL",
    "NEWSROOM_ENV",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
]


def run_django(code=SHOW, **env):
    return django_process.run_django(code, clear=VARIABLES, **env)


def test_development_defaults():
    result = run_django()
    assert result.stdout.strip() == "False 5 900 '' []", result.stderr


def test_production_requires_a_second_factor_for_staff_by_default():
    assert run_django(**PRODUCTION).stdout.startswith("True ")
    assert run_django(**PRODUCTION, REQUIRE_STAFF_2FA="0").stdout.startswith("False ")
    assert run_django(REQUIRE_STAFF_2FA="1").stdout.startswith("True ")


def test_lockout_limits_from_the_environment():
    result = run_django(AXES_FAILURE_LIMIT="10", AXES_COOLOFF_MINUTES="30")
    assert result.stdout.startswith("False 10 1800 "), result.stderr


def test_bad_lockout_values_are_refused_with_a_clear_message():
    for name, value in (("AXES_FAILURE_LIMIT", "0"), ("AXES_COOLOFF_MINUTES", "soon")):
        result = run_django(**{name: value})
        assert result.returncode != 0
        assert f"{name}={value!r} must be a whole number of at least 1." in result.stderr


def test_passkeys_follow_site_url_or_their_own_variables():
    from_site = run_django(SITE_URL="https://news.example.com")
    assert from_site.stdout.strip().endswith("'news.example.com' ['https://news.example.com']")
    own = run_django(
        SITE_URL="https://www.news.example.com",
        WEBAUTHN_RP_ID="news.example.com",
        WEBAUTHN_ORIGINS="https://www.news.example.com,https://news.example.com",
    )
    assert own.stdout.strip().endswith(
        "'news.example.com' ['https://www.news.example.com', 'https://news.example.com']"
    )
    # A plain-http address other than localhost cannot use passkeys: left to the request.
    assert run_django(SITE_URL="http://127.0.0.1:8000").stdout.strip().endswith("'' []")


def test_system_checks_pass_in_both_modes():
    code = "from django.core.management import call_command; call_command('check')"
    assert run_django(code).returncode == 0
    result = run_django(code, **PRODUCTION, SITE_URL="https://news.example")
    assert result.returncode == 0, result.stderr
