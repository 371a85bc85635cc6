"""The second step of staff sign-in: authenticator codes and recovery codes."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts import devices
from accounts.tests.factories import (
    LOGIN,
    STORIES,
    VERIFY,
    code_for,
    give_app,
    make_staff,
    sign_in,
)

pytestmark = pytest.mark.django_db

NINE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NINE, tick=False) as traveller:
        yield traveller


@pytest.fixture
def editor():
    return make_staff("editor")


@pytest.fixture
def app(editor):
    return give_app(editor)


def test_a_user_with_an_app_is_asked_for_a_code_after_the_password(client, clock, app):
    response = sign_in(client, "editor")
    assert response.status_code == 302
    assert response.url == VERIFY
    page = client.get(VERIFY)
    assert "Signing in as <strong>editor</strong>" in page.text
    assert 'autocomplete="one-time-code"' in page.text
    # Not signed in yet: the admin still asks for the login.
    assert client.get(STORIES).url.startswith(LOGIN)

    done = client.post(VERIFY, {"code": code_for(app)})
    assert done.status_code == 302
    assert done.url == "/admin/"
    assert client.get(STORIES).status_code == 200


def test_a_wrong_code_is_refused_with_a_message(client, clock, app):
    sign_in(client, "editor")
    wrong = "000000" if code_for(app) != "000000" else "111111"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.text
    assert "Signing in as <strong>editor</strong>" in response.text
    assert client.get(STORIES).url.startswith(LOGIN)


def test_a_code_cannot_be_used_twice(client, clock, app):
    code = code_for(app)
    sign_in(client, "editor")
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post("/admin/logout/")

    sign_in(client, "editor")
    again = client.post(VERIFY, {"code": code})
    assert again.status_code == 200
    assert "That code has already been used" in again.text
    clock.shift(timedelta(seconds=30))
    assert client.post(VERIFY, {"code": code_for(app)}).status_code == 302


def test_wrong_codes_in_a_row_slow_down_further_tries(client, clock, app):
    sign_in(client, "editor")
    client.post(VERIFY, {"code": "000001"})
    clock.shift(timedelta(seconds=1))
    client.post(VERIFY, {"code": "000002"})
    # django-otp now wants two seconds before the device is tried again.
    refused = client.post(VERIFY, {"code": code_for(app)})
    assert "Too many wrong codes in a row. Wait 2 seconds, then try again." in refused.text
    clock.shift(timedelta(seconds=2))
    assert client.post(VERIFY, {"code": code_for(app)}).status_code == 302


def test_a_code_with_spaces_is_accepted(client, clock, app):
    code = code_for(app)
    sign_in(client, "editor")
    assert client.post(VERIFY, {"code": f" {code[:3]} {code[3:]} "}).status_code == 302


def test_a_recovery_code_works_once_only(client, clock, editor, app):
    codes = devices.new_recovery_codes(editor)
    assert len(codes) == devices.RECOVERY_CODE_COUNT == len(set(codes))

    sign_in(client, "editor")
    assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    assert client.get(STORIES).status_code == 200
    assert devices.recovery_codes_left(editor) == 9
    client.post("/admin/logout/")

    clock.shift(timedelta(minutes=1))
    sign_in(client, "editor")
    reused = client.post(VERIFY, {"code": codes[0]})
    assert reused.status_code == 200
    assert "That recovery code is not right or has already been used" in reused.text
    clock.shift(timedelta(seconds=2))
    assert client.post(VERIFY, {"code": codes[1]}).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, clock, editor, app):
    old = devices.new_recovery_codes(editor)
    new = devices.new_recovery_codes(editor)
    assert not set(old) & set(new)
    sign_in(client, "editor")
    assert client.post(VERIFY, {"code": old[0]}).status_code == 200
    clock.shift(timedelta(seconds=2))
    assert client.post(VERIFY, {"code": new[0]}).status_code == 302


def test_the_second_step_expires(client, clock, app):
    sign_in(client, "editor")
    clock.shift(timedelta(minutes=6))
    late = client.post(VERIFY, {"code": code_for(app)})
    assert late.url == LOGIN
    page = client.get(LOGIN)
    assert "Signing in took too long. Enter your password again." in page.text
    # The username is kept for the new try.
    assert 'value="editor"' in page.text
    assert client.get(STORIES).url.startswith(LOGIN)


def test_the_second_step_needs_the_first(client, clock, app):
    assert client.get(VERIFY).url == LOGIN
    assert client.post(VERIFY, {"code": code_for(app)}).url == LOGIN


def test_a_user_without_a_second_factor_signs_in_with_the_password(client, editor):
    response = sign_in(client, "editor")
    assert response.url == "/admin/"
    assert client.get(STORIES).status_code == 200


def test_a_draft_stays_hidden_between_the_two_steps(client, clock, app):
    """Half signed in is not signed in anywhere, the site's staff previews included."""
    from articles.tests.factories import make_article

    draft = make_article(status="draft")
    sign_in(client, "editor")
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.post(VERIFY, {"code": code_for(app)})
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_an_unconfirmed_app_is_not_asked_for(client, editor):
    devices.unconfirmed_app(editor)
    assert sign_in(client, "editor").url == "/admin/"
