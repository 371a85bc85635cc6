from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.translation import gettext as _

from accounts import devices

VERIFY = "verify"
ENROL = "enrol"


def restriction(user):
    """What a signed-in staff user must do before the admin lets them in, if anything.

    ``VERIFY``: they have a second factor but this session has not used it (it
    was enrolled in another session). ``ENROL``: REQUIRE_STAFF_2FA is on and
    they have none yet.
    """
    if not (user.is_authenticated and user.is_staff) or user.is_verified():
        return None
    if devices.has_second_factor(user):
        return VERIFY
    if settings.REQUIRE_STAFF_2FA:
        return ENROL
    return None


class StaffTwoFactorMiddleware:
    """Keeps staff without their second factor to the pages that give them one.

    In the admin they are sent to the second sign-in step or to enrolment; on
    the rest of the site they are treated as anonymous readers (no drafts).
    Runs after OTPMiddleware, which tells whether the session is verified.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(self.urls["admin"]):
            response = self.guard_admin(request)
            if response is not None:
                return response
        else:
            user = request.user
            request.user = SimpleLazyObject(lambda: anonymous() if restriction(user) else user)
        return self.get_response(request)

    @cached_property
    def urls(self):
        # Resolved on first use, once the URLconf is loaded.
        return {
            "admin": reverse("admin:index"),
            "always": [reverse("admin:logout"), reverse("accounts:login")],
            VERIFY: [
                reverse("accounts:verify"),
                reverse("otp_webauthn:credential-authentication-begin"),
                reverse("otp_webauthn:credential-authentication-complete"),
                reverse("otp_webauthn:js-i18n-catalog"),
            ],
            # The enrolment pages (the passkey registration API lies under them).
            ENROL: [reverse("accounts:two_factor")],
        }

    def guard_admin(self, request):
        needed = restriction(request.user)
        if needed is None:
            return None
        path = request.path
        if path in self.urls["always"] or any(path.startswith(url) for url in self.urls[needed]):
            return None
        if needed == ENROL:
            messages.info(
                request,
                _("Every staff account here needs a second factor: set one up to continue."),
            )
        return redirect(self.urls[needed][0])


def anonymous():
    user = AnonymousUser()
    user.otp_device = None
    user.is_verified = lambda: False
    return user
