"""Staff users and second factors for the sign-in tests."""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import devices

PASSWORD = "a-long-staff-password"
LOGIN = "/admin/login/"
VERIFY = "/admin/login/verify/"
TWO_FACTOR = "/admin/two-factor/"
STORIES = "/admin/articles/article/"

_numbers = itertools.count(1)


def make_staff(username=None, *, groups=("Editors",), password=PASSWORD, **extra):
    user = get_user_model().objects.create_user(
        username=username or f"staff{next(_numbers)}", password=password, is_staff=True, **extra
    )
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


def give_app(user):
    """A confirmed authenticator app for ``user``."""
    return TOTPDevice.objects.create(user=user, name=devices.APP_DEVICE_NAME, confirmed=True)


def code_for(device, *, steps_ahead=0):
    """The code the user's app shows now (or ``steps_ahead`` steps later)."""
    device.refresh_from_db()
    counter_offset = device.drift + steps_ahead
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, counter_offset):06d}"


def sign_in(client, username, password=PASSWORD, **extra):
    """Step one: the admin's login form."""
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra
    )
