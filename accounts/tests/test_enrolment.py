"""Enrolling second factors, and REQUIRE_STAFF_2FA keeping staff to enrolment until then."""

import re
from base64 import b32decode
from datetime import UTC, datetime, timedelta
from io import StringIO
from urllib.parse import unquote

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import devices
from accounts.tests.factories import (
    LOGIN,
    STORIES,
    TWO_FACTOR,
    VERIFY,
    code_for,
    give_app,
    make_staff,
    sign_in,
)

pytestmark = pytest.mark.django_db

AUTHENTICATOR = "/admin/two-factor/authenticator/"
RECOVERY_CODES = "/admin/two-factor/recovery-codes/"
NINE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NINE, tick=False) as traveller:
        yield traveller


@pytest.fixture
def required(settings):
    settings.REQUIRE_STAFF_2FA = True


def secret_on(page):
    """The key the page shows for typing into an app by hand."""
    secret = re.search(r'id="authenticator-secret">([A-Z2-7 ]+)<', page.text).group(1)
    return b32decode(secret.replace(" ", ""))


def codes_on(page):
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page.text)


@pytest.mark.parametrize("group", ["Editors", "Moderators", "Writers"])
def test_required_staff_without_a_second_factor_are_sent_to_enrolment(client, required, group):
    make_staff("someone", groups=[group])
    assert sign_in(client, "someone").status_code == 302
    for page in ("/admin/", STORIES, "/admin/comments/comment/", "/admin/password_change/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.url == TWO_FACTOR
    enrolment = client.get(TWO_FACTOR)
    assert enrolment.status_code == 200
    assert "Every staff account here needs a second factor" in enrolment.text
    assert "Set up an authenticator app or a passkey to use the admin." in enrolment.text
    # Nothing else is offered until then.
    assert 'href="/admin/articles/' not in enrolment.text


def test_required_staff_do_not_see_drafts_on_the_site_before_enrolling(client, required):
    from articles.tests.factories import make_article

    draft = make_article(status="draft")
    make_staff("editor")
    sign_in(client, "editor")
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_enrolling_an_app_with_its_first_code_then_recovery_codes_shown_once(
    client, clock, required
):
    editor = make_staff("editor")
    sign_in(client, "editor")
    setup = client.get(AUTHENTICATOR)
    assert setup.status_code == 200
    # The QR code is drawn here: an SVG in a data: URI, nothing fetched from elsewhere.
    qr = re.search(r'<img class="qr-code" src="([^"]+)"', setup.text).group(1)
    assert qr.startswith("data:image/svg+xml")
    svg = unquote(qr.split(",", 1)[1])
    assert svg.startswith("<svg") and not re.search(r"(href|src)=", svg)
    key = secret_on(setup)
    # Reloading keeps the same secret (the app may already have it).
    assert secret_on(client.get(AUTHENTICATOR)) == key

    wrong = client.post(AUTHENTICATOR, {"code": "12345"})
    assert "Enter the six digits your authenticator app shows." in wrong.text
    assert client.get(STORIES).url == TWO_FACTOR

    confirmed = client.post(AUTHENTICATOR, {"code": f"{totp(key):06d}"})
    assert confirmed.url == RECOVERY_CODES
    shown = client.get(RECOVERY_CODES)
    assert "Your authenticator app is set up." in shown.text
    codes = codes_on(shown)
    assert len(codes) == 10
    # Shown once: the page does not show them again.
    assert client.get(RECOVERY_CODES).url == TWO_FACTOR
    # The session counts as verified by the new app: the admin is open.
    assert client.get(STORIES).status_code == 200

    # Next time the sign-in asks for a code from that app, or a recovery code.
    client.post("/admin/logout/")
    assert sign_in(client, "editor").url == VERIFY
    assert client.post(VERIFY, {"code": codes[3]}).url == "/admin/"
    assert TOTPDevice.objects.get(user=editor).confirmed


def test_the_devices_page_lists_and_removes_second_factors(client, clock):
    editor = make_staff("editor")
    app = give_app(editor)
    devices.new_recovery_codes(editor)
    sign_in(client, "editor")
    client.post(VERIFY, {"code": code_for(app)})
    page = client.get(TWO_FACTOR)
    assert "Authenticator apps" in page.text
    assert "10 recovery codes left." in page.text
    # Linked from the user tools on every admin page.
    assert f'<a href="{TWO_FACTOR}">Two-factor sign-in</a>' in client.get("/admin/").text

    new_codes = client.post(RECOVERY_CODES)
    assert new_codes.url == RECOVERY_CODES
    assert len(codes_on(client.get(RECOVERY_CODES))) == 10

    removed = client.post(f"/admin/two-factor/app/{app.pk}/remove/")
    assert removed.url == TWO_FACTOR
    assert "The authenticator app is removed." in client.get(TWO_FACTOR).text
    # The last app gone, its recovery codes went with it; sign-in is password only.
    assert devices.recovery_codes_left(editor) == 0
    client.post("/admin/logout/")
    assert sign_in(client, "editor").url == "/admin/"


def test_someone_elses_device_cannot_be_removed(client):
    other = give_app(make_staff("other"))
    make_staff("editor")
    sign_in(client, "editor")
    assert client.post(f"/admin/two-factor/app/{other.pk}/remove/").status_code == 404
    assert TOTPDevice.objects.filter(pk=other.pk).exists()


def test_recovery_codes_need_an_app_or_passkey_first(client):
    editor = make_staff("editor")
    sign_in(client, "editor")
    response = client.post(RECOVERY_CODES)
    assert response.url == TWO_FACTOR
    assert devices.recovery_codes_left(editor) == 0


def test_a_device_enrolled_elsewhere_must_be_used_in_this_session_too(client, clock):
    """A session signed in before the user enrolled is asked for the new factor."""
    editor = make_staff("editor")
    sign_in(client, "editor")
    assert client.get(STORIES).status_code == 200
    app = give_app(editor)  # in another browser
    assert client.get(STORIES).url == VERIFY
    # Enrolment pages are closed to it too: no adding a factor on a password alone.
    assert client.get(AUTHENTICATOR).url == VERIFY
    assert client.post(VERIFY, {"code": code_for(app)}).url == "/admin/"
    assert client.get(STORIES).status_code == 200


def test_with_the_setting_off_demo_accounts_sign_in_with_their_password(client, settings):
    settings.REQUIRE_STAFF_2FA = False
    call_command("load_demo", stdout=StringIO())
    for username in ("editor", "writer", "moderator"):
        visitor = Client()
        response = sign_in(visitor, username, "newsroom-demo")
        assert response.status_code == 302
        assert response.url == "/admin/"
        assert visitor.get("/admin/").status_code == 200
    editor = Client()
    sign_in(editor, "editor", "newsroom-demo")
    assert editor.get(STORIES).status_code == 200


def test_with_the_setting_on_demo_accounts_must_enrol(client, required):
    call_command("load_demo", stdout=StringIO())
    sign_in(client, "editor", "newsroom-demo")
    assert client.get(STORIES).url == TWO_FACTOR


def test_non_staff_cannot_use_the_enrolment_pages(client):
    reader = make_staff("reader", groups=())
    reader.is_staff = False
    reader.save()
    client.force_login(reader)
    assert client.get(TWO_FACTOR).url.startswith(LOGIN)


def test_time_matters_for_the_first_code(client, clock):
    """A code from the past minute no longer confirms an app."""
    make_staff("editor")
    sign_in(client, "editor")
    key = secret_on(client.get(AUTHENTICATOR))
    old = f"{totp(key):06d}"
    clock.shift(timedelta(minutes=2))
    assert "That code is not right" in client.post(AUTHENTICATOR, {"code": old}).text
