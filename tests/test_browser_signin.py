"""End to end: staff sign-in with a second factor, in real Chromium against real gunicorn.

The site here is a server of its own with REQUIRE_STAFF_2FA=1, so the shared
demo site's accounts are never enrolled or locked. It is opened as
http://localhost:<port>: localhost is a secure context, as WebAuthn needs, and
the passkeys' relying party follows that host. Passkeys are made and used by
Chromium's virtual authenticator, driven through the DevTools protocol.
"""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.conftest import demo_site_env, gunicorn

pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

DEMO_PASSWORD = "newsroom-demo"

# Chromium logs CSP refusals to the console; this makes sure each one is an error there.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture(scope="module")
def signin_site():
    with (
        demo_site_env(suffix="_signin", REQUIRE_STAFF_2FA="1") as env,
        gunicorn(env) as base_url,
    ):
        yield base_url.replace("://127.0.0.1:", "://localhost:")


@pytest.fixture
def open_page(browser, signin_site):
    """A page in a fresh context, and the list of problems seen on it."""
    contexts = []

    def open_page():
        context = browser.new_context(base_url=signin_site)
        context.set_default_timeout(15_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        problems = []

        def on_console(message):
            if message.type == "error" and not message.location.get("url", "").endswith(
                "/favicon.ico"
            ):
                problems.append(f"console error: {message.text}")

        def on_request(request):
            if request.url.startswith(("http:", "https:")) and not request.url.startswith(
                signin_site + "/"
            ):
                problems.append(f"request off the site: {request.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("request", on_request)
        return context, page, problems

    yield open_page
    for context in contexts:
        context.close()


def enter_password(page, username):
    page.goto("/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def expect_admin_index(page):
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("link", name="Two-factor sign-in")).to_be_visible()


def expect_sent_to_enrolment(page):
    expect(page).to_have_url(re.compile(r"/admin/two-factor/$"))
    expect(page.get_by_text("Every staff account here needs a second factor")).to_be_visible()


def save_recovery_codes(page):
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved them: continue").click()
    return codes


def test_staff_user_enrols_an_authenticator_app_and_signs_in_with_a_code(open_page):
    """The editor is sent to enrolment, scans (here: reads) the key, confirms it
    with a first code, keeps the recovery codes, and next time signs in with a
    code from the app."""
    _, page, problems = open_page()
    enter_password(page, "editor")
    expect_sent_to_enrolment(page)
    page.goto("/admin/articles/article/")
    expect_sent_to_enrolment(page)

    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    key = b32decode(page.locator("#authenticator-secret").inner_text().replace(" ", ""))
    page.get_by_label("Code from the app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Confirm").click()
    save_recovery_codes(page)
    expect_admin_index(page)
    page.goto("/admin/articles/article/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("story", re.I))

    page.get_by_role("button", name="Log out").click()
    enter_password(page, "editor")
    expect(page).to_have_url(re.compile(r"/admin/login/verify/$"))
    expect(page.get_by_text("Signing in as editor")).to_be_visible()
    # The code shown at enrolment is spent; the app's next one is accepted already.
    page.get_by_label("Code:", exact=True).fill(f"{totp(key, drift=1):06d}")
    page.get_by_role("button", name="Log in").click()
    expect_admin_index(page)

    page.get_by_role("link", name="Two-factor sign-in").click()
    expect(page.get_by_role("cell", name="Authenticator app")).to_be_visible()
    expect(page.get_by_text("10 recovery codes left.")).to_be_visible()
    assert not problems, problems


def test_staff_user_registers_a_passkey_and_signs_in_with_it(open_page):
    """The moderator registers a passkey on the virtual authenticator and, after
    the password, signs in by using it: no code typed."""
    context, page, problems = open_page()
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    authenticator = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]

    enter_password(page, "moderator")
    expect_sent_to_enrolment(page)
    page.get_by_role("link", name="Register a passkey").click()
    page.get_by_role("button", name="Register a passkey").click()
    save_recovery_codes(page)
    expect_admin_index(page)
    credentials = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(credentials["credentials"]) == 1
    assert credentials["credentials"][0]["rpId"] == "localhost"

    page.get_by_role("button", name="Log out").click()
    enter_password(page, "moderator")
    expect(page).to_have_url(re.compile(r"/admin/login/verify/$"))
    page.get_by_role("button", name="Use a passkey").click()
    expect_admin_index(page)
    page.goto("/admin/comments/comment/")
    expect(page).to_have_url(re.compile(r"/admin/comments/comment/"))
    used = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert used["credentials"][0]["signCount"] >= 2
    assert not problems, problems
