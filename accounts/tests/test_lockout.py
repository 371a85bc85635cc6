"""Throttling and lockout of staff sign-in (django-axes), per account and per address."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings

from accounts.tests.factories import (
    LOGIN,
    PASSWORD,
    STORIES,
    VERIFY,
    code_for,
    give_app,
    make_staff,
    sign_in,
)

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WRONG_PASSWORD = "Please enter the correct username and password for a staff account"


def can_open_stories(client):
    return client.get(STORIES).status_code == 200


def test_thirty_wrong_passwords_lock_the_account_and_the_right_one_then_fails(client):
    """After 5 wrong passwords the answer is a 429 page, not the form again, and
    the right password does not sign in while the lock lasts."""
    make_staff("editor")
    answers = [sign_in(client, "editor", f"guess-{n}") for n in range(30)]
    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert all(WRONG_PASSWORD in a.text for a in answers[:4])
    assert {a.status_code for a in answers[5:]} == {429}
    assert all(WRONG_PASSWORD not in a.text for a in answers[5:])

    right = sign_in(client, "editor")
    assert right.status_code == 429
    assert not can_open_stories(client)


def test_the_lockout_page_says_how_long_to_wait_and_nothing_else(client):
    make_staff("editor")
    with time_machine.travel(NOON, tick=False):
        for n in range(5):
            sign_in(client, "editor", f"guess-{n}")
        locked = sign_in(client, "editor")
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(15 * 60)
    assert "no-store" in locked["Cache-Control"] or "no-cache" in locked["Cache-Control"]
    assert "try again in 15 minutes" in locked.text
    # In the admin's look, and silent about the account and the attempts.
    assert "Newsroom admin" in locked.text
    assert 'href="/static/admin/css/base.css"' in locked.text
    for secret in ("editor", "guess-", PASSWORD, "attempts left", "does not exist"):
        assert secret not in locked.text

    with time_machine.travel(NOON + timedelta(minutes=10), tick=False):
        again = sign_in(client, "editor")
    # Attempts while locked do not move the end of the lock.
    assert "try again in 5 minutes" in again.text


def test_the_lock_lifts_after_the_cool_off_and_success_resets_the_count(client):
    make_staff("editor")
    with time_machine.travel(NOON, tick=False):
        for n in range(5):
            sign_in(client, "editor", f"guess-{n}")
        assert sign_in(client, "editor").status_code == 429
    with time_machine.travel(NOON + timedelta(minutes=15, seconds=1), tick=False):
        assert sign_in(client, "editor").status_code == 302
        assert can_open_stories(client)
        client.post("/admin/logout/")
        # The count started again from zero: four more mistakes do not lock.
        for n in range(4):
            assert sign_in(client, "editor", f"typo-{n}").status_code == 200
        assert sign_in(client, "editor").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=timedelta(minutes=2))
def test_limit_and_cool_off_follow_the_settings(client):
    make_staff("editor")
    for n in range(3):
        sign_in(client, "editor", f"guess-{n}")
    locked = sign_in(client, "editor")
    assert locked.status_code == 429
    assert "try again in 2 minutes" in locked.text


def test_the_account_stays_locked_from_another_address(client):
    make_staff("editor")
    for n in range(5):
        sign_in(client, "editor", f"guess-{n}", REMOTE_ADDR="198.51.100.1")
    assert sign_in(client, "editor", REMOTE_ADDR="203.0.113.99").status_code == 429


def test_an_address_guessing_many_accounts_is_locked_for_all_of_them(client):
    make_staff("editor")
    for n in range(5):
        sign_in(client, f"someone-{n}", "guess", REMOTE_ADDR="198.51.100.1")
    assert sign_in(client, "editor", REMOTE_ADDR="198.51.100.1").status_code == 429
    # The account itself is not locked: from elsewhere its owner signs in.
    assert sign_in(client, "editor", REMOTE_ADDR="203.0.113.5").status_code == 302


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_readers_behind_one_trusted_proxy_are_locked_separately(client):
    """The lock follows X-Forwarded-For from a trusted proxy, not the proxy's address."""
    make_staff("editor")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(5):
        sign_in(
            client, f"someone-{n}", "guess", headers={"x-forwarded-for": "198.51.100.1"}, **proxy
        )
    assert (
        sign_in(client, "editor", headers={"x-forwarded-for": "198.51.100.1"}, **proxy).status_code
        == 429
    )
    other_reader = sign_in(client, "editor", headers={"x-forwarded-for": "203.0.113.7"}, **proxy)
    assert other_reader.status_code == 302


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_a_spoofed_forwarded_for_from_an_untrusted_peer_does_not_escape_the_lock(client):
    make_staff("editor")
    for n in range(5):
        sign_in(
            client,
            f"someone-{n}",
            "guess",
            headers={"x-forwarded-for": f"203.0.113.{n}"},
            REMOTE_ADDR="192.0.2.66",
        )
    spoofed = sign_in(
        client, "editor", headers={"x-forwarded-for": "203.0.113.200"}, REMOTE_ADDR="192.0.2.66"
    )
    assert spoofed.status_code == 429


def test_a_wrong_password_keeps_the_username_typed(client):
    make_staff("editor")
    response = sign_in(client, "editor", "not-it")
    assert response.status_code == 200
    assert WRONG_PASSWORD in response.text
    assert 'value="editor"' in response.text


def test_wrong_second_factor_codes_count_towards_the_lock(client):
    """Knowing the password is not enough to guess codes without limit."""
    editor = make_staff("editor")
    app = give_app(editor)
    with time_machine.travel(NOON, tick=False) as clock:
        assert sign_in(client, "editor").url == VERIFY
        answers = []
        for _ in range(5):
            # Past django-otp's own growing delay between tries of one device.
            clock.shift(timedelta(seconds=20))
            answers.append(client.post(VERIFY, {"code": "000000"}))
        assert [a.status_code for a in answers[:4]] == [200] * 4
        assert answers[4].status_code == 429
        clock.shift(timedelta(seconds=40))
        assert client.post(VERIFY, {"code": code_for(app)}).status_code == 429
        assert not can_open_stories(client)


def test_the_login_page_is_the_admins_with_a_get_while_locked(client):
    """Locking refuses attempts; it does not hide the page."""
    make_staff("editor")
    for n in range(5):
        sign_in(client, "editor", f"guess-{n}")
    assert client.get(LOGIN).status_code == 200
