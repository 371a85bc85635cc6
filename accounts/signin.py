"""Staff sign-in in two steps: the password, then a second factor.

After the right password, a user with a second factor is *not* logged in: the
session only remembers who is signing in (for ``PENDING_SECONDS``) until a code,
a recovery code or a passkey completes the sign-in. So nothing, in the admin or
on the site, treats them as signed in before both steps. Failed second steps
count as failed sign-ins for django-axes, under the same username and address.
"""

import time

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import get_user_model, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.urls import reverse
from django_otp import login as otp_login

from accounts import devices

PENDING_KEY = "accounts_signing_in"
# Long enough to find the phone, short enough that a forgotten tab does not wait.
PENDING_SECONDS = 5 * 60


def begin(request, user, *, next_url):
    """The password was right: ask for the second factor next."""
    if request.user.is_authenticated:
        # Whoever was signed in here before is signed out first.
        logout(request)
    # A fresh session key: the half-signed-in state cannot be planted beforehand.
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "username": user.get_username(),
        "backend": user.backend,
        "since": int(time.time()),
        "next": next_url,
    }


def pending(request):
    """The half-finished sign-in in this session, or None (also once it is too old)."""
    state = request.session.get(PENDING_KEY)
    if state and time.time() - state["since"] <= PENDING_SECONDS:
        return state
    return None


def expired(request):
    """A sign-in was started here but its time ran out."""
    return PENDING_KEY in request.session and pending(request) is None


def user_to_verify(request):
    """Who the second step is for: a signed-in user still to be verified, or the
    user whose password was just right; None when there is nobody."""
    user = request.user
    if user.is_authenticated:
        return user if devices.has_second_factor(user) and not user.is_verified() else None
    state = pending(request)
    if state is None:
        return None
    return get_user_model()._default_manager.filter(pk=state["user"], is_active=True).first()


def next_url(request):
    state = pending(request)
    return (state and state["next"]) or reverse("admin:index")


def finish(request, user, device):
    """The second factor was right: sign the user in, verified by ``device``.

    Returns where to go next.
    """
    destination = next_url(request)
    state = request.session.pop(PENDING_KEY, None)
    if request.user.is_authenticated:
        # Verifying an existing session raises its privileges: new key.
        request.session.cycle_key()
    else:
        auth_login(request, user, backend=state["backend"])
    otp_login(request, device)
    return destination


def cancel(request):
    request.session.pop(PENDING_KEY, None)


def credentials(user):
    return {"username": user.get_username()}


def is_locked(request, user):
    """django-axes has locked this account or this address."""
    return not AxesProxyHandler.is_allowed(request, credentials(user))


def record_failure(request, user):
    """A wrong second factor counts as a failed sign-in (django-axes listens)."""
    user_login_failed.send(sender=__name__, credentials=credentials(user), request=request)
