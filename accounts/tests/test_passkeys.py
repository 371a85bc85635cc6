"""Passkeys (django-otp-webauthn): the relying party, the JSON API and the pages' scripts.

A whole ceremony needs an authenticator: tests/test_browser_signin.py runs one
in Chromium's virtual authenticator. These tests cover what the server decides.
"""

import json
import re

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django_otp_webauthn.models import WebAuthnCredential

from accounts.passkeys import PasskeyHelper, relying_party_id
from accounts.tests.factories import VERIFY, give_app, make_staff, sign_in

pytestmark = pytest.mark.django_db

API = "/admin/two-factor/passkeys/api/"


def give_passkey(user, credential_id=b"\x01" * 32):
    return WebAuthnCredential.objects.create(
        user=user,
        name="Laptop",
        credential_id=credential_id,
        public_key=b"not-a-real-key",
        sign_count=0,
        aaguid="00000000-0000-0000-0000-000000000000",
        confirmed=True,
    )


def post_json(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_the_relying_party_follows_the_sites_host(settings):
    settings.WEBAUTHN_RP_ID = ""
    settings.WEBAUTHN_ORIGINS = []
    request = RequestFactory().get("/", HTTP_HOST="localhost:8123")
    assert relying_party_id(request) == "localhost"
    assert PasskeyHelper(request).get_allowed_origins() == ["http://localhost:8123"]


def test_the_relying_party_can_be_fixed_for_production(settings):
    settings.WEBAUTHN_RP_ID = "news.example.com"
    settings.WEBAUTHN_ORIGINS = ["https://news.example.com"]
    settings.ALLOWED_HOSTS = ["news.example.com"]
    request = RequestFactory().get("/", HTTP_HOST="news.example.com")
    assert relying_party_id(request) == "news.example.com"
    assert PasskeyHelper(request).get_allowed_origins() == ["https://news.example.com"]


def test_no_passkey_sign_in_without_the_password_first(client):
    """Passkeys are a second factor here: there is no passwordless sign-in."""
    response = post_json(client, f"{API}authentication/begin/")
    assert response.status_code == 403
    assert response.json()["detail"] == "Enter your username and password first."


def test_the_passkey_step_offers_only_the_users_own_passkeys(client):
    editor = make_staff("editor")
    give_passkey(editor, b"\x01" * 32)
    give_passkey(make_staff("other"), b"\x02" * 32)
    assert sign_in(client, "editor").url == VERIFY
    options = post_json(client, f"{API}authentication/begin/").json()
    assert options["rpId"] == "testserver"
    assert [c["id"] for c in options["allowCredentials"]] == [
        "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE"
    ]


def test_a_passkey_that_does_not_verify_is_a_failed_sign_in(client):
    editor = make_staff("editor")
    give_passkey(editor)
    sign_in(client, "editor")
    post_json(client, f"{API}authentication/begin/")
    response = post_json(
        client,
        f"{API}authentication/complete/",
        {
            "id": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE",
            "rawId": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE",
            "type": "public-key",
            "response": {"authenticatorData": "", "clientDataJSON": "", "signature": ""},
        },
    )
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()
    assert AccessAttempt.objects.get(username="editor").failures_since_start == 1
    assert client.get("/admin/articles/article/").status_code == 302


def test_the_verify_page_loads_the_passkey_scripts_under_the_csp_nonce(client):
    editor = make_staff("editor")
    give_passkey(editor)
    sign_in(client, "editor")
    page = client.get(VERIFY)
    policy = page["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert "'unsafe-inline'" not in script_src
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    scripts = re.findall(r"<script[^>]*>", page.text)
    executable = [tag for tag in scripts if 'type="application/json"' not in tag]
    assert any("otp_webauthn_auth.js" in tag for tag in executable)
    assert all(f'nonce="{nonce}"' in tag for tag in executable)
    assert 'id="otp_webauthn_config"' in page.text
    assert 'id="passkey-verification-placeholder"' in page.text


def test_the_verify_page_without_passkeys_has_no_passkey_button(client):
    give_app(make_staff("editor"))
    sign_in(client, "editor")
    assert "passkey-verification" not in client.get(VERIFY).text


def test_registering_a_passkey_is_for_signed_in_staff(client):
    assert post_json(client, f"{API}registration/begin/").status_code == 403
    reader = make_staff("reader", groups=())
    reader.is_staff = False
    reader.save()
    client.force_login(reader)
    refused = post_json(client, f"{API}registration/begin/")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Passkeys are for staff accounts."
    editor = make_staff("editor")
    client.force_login(editor)
    options = post_json(client, f"{API}registration/begin/").json()
    assert options["rp"] == {"name": "Newsroom", "id": "testserver"}
    assert options["user"]["name"] == "editor"


def test_a_session_without_its_second_factor_cannot_register_another(client):
    editor = make_staff("editor")
    client.force_login(editor)
    give_passkey(editor)  # enrolled in another session
    response = post_json(client, f"{API}registration/begin/")
    assert response.status_code == 302
    assert response.url == VERIFY
