"""Passkeys (django-otp-webauthn) as a second factor after the password.

The package's JSON views are used as they are for registering a passkey; for
signing in they are narrowed to the user whose password was just right (see
``accounts.signin``), never a passwordless sign-in.
"""

from django.conf import settings
from django.http.request import split_domain_port
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.templatetags.otp_webauthn import get_configuration
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from accounts import signin


def relying_party_id(request):
    """The passkeys' domain: WEBAUTHN_RP_ID (or SITE_URL's host), else this request's host."""
    return settings.WEBAUTHN_RP_ID or split_domain_port(request.get_host())[0]


class PasskeyHelper(WebAuthnHelper):
    def get_allowed_origins(self):
        # get_host() is checked against ALLOWED_HOSTS, so this is one of the site's own.
        return settings.WEBAUTHN_ORIGINS or [f"{self.request.scheme}://{self.request.get_host()}"]


def script_configuration(request):
    """What the package's scripts read from the page (its ``otp_webauthn_config``)."""
    return get_configuration(request)


class StaffOnly(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = _("Passkeys are for staff accounts.")
    default_code = "staff_only"


class SignInPaused(exceptions.OTPWebAuthnApiError):
    status_code = 429
    default_detail = _("Too many failed sign-in attempts. Signing in is paused: try again later.")
    default_code = "locked_out"


class NoSignInStarted(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = _("Enter your username and password first.")
    default_code = "no_sign_in_started"


class StaffRegistrationMixin:
    def check_can_register(self):
        if not self.get_user().is_staff:
            raise StaffOnly()


class BeginRegistration(StaffRegistrationMixin, BeginCredentialRegistrationView):
    pass


class CompleteRegistration(StaffRegistrationMixin, CompleteCredentialRegistrationView):
    pass


class SecondStepMixin:
    """The ceremony is for the user between the two steps of signing in."""

    def get_user(self):
        return signin.user_to_verify(self.request)

    def check_can_authenticate(self):
        user = self.get_user()
        if user is None:
            raise NoSignInStarted()
        if signin.is_locked(self.request, user):
            raise SignInPaused()


class BeginSignIn(SecondStepMixin, BeginCredentialAuthenticationView):
    pass


class CompleteSignIn(SecondStepMixin, CompleteCredentialAuthenticationView):
    def post(self, *args, **kwargs):
        user = self.get_user()
        try:
            return super().post(*args, **kwargs)
        except exceptions.OTPWebAuthnApiError:
            # A passkey that does not verify is a failed sign-in like a wrong code.
            signin.record_failure(self.request, user)
            raise

    def complete_auth(self, device):
        self.destination = signin.finish(self.request, self.get_user(), device)

    def get_success_url(self):
        return self.destination or reverse("admin:index")


# Included under the "otp_webauthn" namespace, whose names the package's scripts use.
urlpatterns = [
    path(
        "registration/begin/",
        BeginRegistration.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        BeginSignIn.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        CompleteSignIn.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
