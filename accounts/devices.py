"""A staff user's second factors: authenticator apps, passkeys and recovery codes.

Authenticator apps are django-otp's TOTP devices, recovery codes one static
device holding single-use tokens, passkeys django-otp-webauthn's credentials.
Recovery codes back up the other two and never stand alone: removing the last
app or passkey removes them too.
"""

import math
import re
import time
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone
from django_otp import user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.utils import get_credential_model

Passkey = get_credential_model()

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "Recovery codes"
APP_DEVICE_NAME = "Authenticator app"

# Why a code was refused (the ValidationError codes of accounts.forms).
WRONG_CODE = "wrong_code"
REUSED_CODE = "reused_code"
WRONG_RECOVERY_CODE = "wrong_recovery_code"
THROTTLED = "throttled"


def enrolled_expression():
    """True for users with any confirmed second factor (for ``annotate``)."""

    def confirmed(model):
        return Q(Exists(model.objects.filter(user=OuterRef("pk"), confirmed=True)))

    return ExpressionWrapper(
        confirmed(TOTPDevice) | confirmed(Passkey) | confirmed(StaticDevice),
        output_field=BooleanField(),
    )


def has_second_factor(user):
    """Whether the user has enrolled a second factor that sign-in must ask for."""
    if not user.is_authenticated:
        return False
    enrolled = getattr(user, "second_factor_enrolled", None)
    if enrolled is None:  # loaded by another backend: ask the database
        enrolled = user_has_device(user, confirmed=True)
    return enrolled


def apps_for(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("created_at")


def passkeys_for(user):
    return Passkey.objects.devices_for_user(user, confirmed=True).order_by("created_at")


def has_passkey(user):
    return passkeys_for(user).exists()


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def new_recovery_codes(user):
    """Replace the user's recovery codes with ``RECOVERY_CODE_COUNT`` new ones.

    The device is kept (only its tokens change), so a session verified with a
    recovery code stays verified.
    """
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        device = StaticDevice.objects.filter(user=user).order_by("pk").first()
        if device is None:
            device = StaticDevice.objects.create(
                user=user, name=RECOVERY_DEVICE_NAME, confirmed=True
            )
        device.token_set.all().delete()
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        device.throttle_reset()
    return codes


def unconfirmed_app(user):
    """The authenticator app being set up: the same secret until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def app_secret(device):
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def app_qr_code(device):
    """The app's setup link as a QR code in a data: URI (made here: no outside service)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def remove(device):
    """Remove a second factor; recovery codes go with the last app or passkey."""
    user = device.user
    with transaction.atomic():
        device.delete()
        if not (apps_for(user).exists() or passkeys_for(user).exists()):
            StaticDevice.objects.filter(user=user).delete()


@dataclass
class CodeCheck:
    """The outcome of checking a code: the device that took it, or why none did."""

    device: object = None
    problem: str = ""
    wait_seconds: int = 0


def normalize(code):
    return re.sub(r"[\s-]+", "", code or "").lower()


def is_app_code(code):
    return re.fullmatch(r"\d{6}", code) is not None


def check_code(user, code):
    """Check a code typed at sign-in: six digits from an app, else a recovery code."""
    code = normalize(code)
    if is_app_code(code):
        return _check(TOTPDevice.objects.filter(user=user, confirmed=True), code, WRONG_CODE)
    return _check(StaticDevice.objects.filter(user=user, confirmed=True), code, WRONG_RECOVERY_CODE)


def check_new_app_code(device, code):
    """Check the first code from an app being set up."""
    code = normalize(code)
    return _check(TOTPDevice.objects.filter(pk=device.pk), code, WRONG_CODE)


# Worst first: the message shown when several devices refused a code.
_PRIORITY = [THROTTLED, REUSED_CODE, WRONG_CODE, WRONG_RECOVERY_CODE]


def _check(devices, code, wrong):
    refusals = [CodeCheck(problem=wrong)]
    # Row locks: two requests racing with one code cannot both use it.
    with transaction.atomic():
        for device in devices.select_for_update():
            allowed, info = device.verify_is_allowed()
            if not allowed:
                wait = (info["locked_until"] - timezone.now()).total_seconds()
                refusals.append(CodeCheck(problem=THROTTLED, wait_seconds=max(1, math.ceil(wait))))
            elif device.verify_token(code):
                return CodeCheck(device=device)
            elif isinstance(device, TOTPDevice) and _was_used(device, code):
                refusals.append(CodeCheck(problem=REUSED_CODE))
    return min(refusals, key=lambda refusal: _PRIORITY.index(refusal.problem))


def _was_used(device, code):
    """A right code for now that the device has already accepted once."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return is_app_code(code) and totp.verify(int(code), device.tolerance)
