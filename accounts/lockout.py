"""How django-axes sees a sign-in's address, and what a locked-out person is told."""

import math
from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.contrib import admin
from django.db.models import Max, Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def client_address(request):
    """The client's address as newsroom.middleware.TrustedProxyMiddleware left it.

    That middleware trusts X-Forwarded-For only from TRUSTED_PROXIES, so a
    header sent by anyone else cannot move a sign-in to another address.
    """
    return request.META.get("REMOTE_ADDR") or None


def locked_out(request, response=None, credentials=None):
    """429 for a sign-in while the account or the address is locked.

    It says how long to wait and nothing else: not which of the two is locked,
    not whether the account exists, not how many attempts were made.
    """
    seconds = max(1, math.ceil(time_left(request, credentials).total_seconds()))
    minutes = math.ceil(seconds / 60)
    wait = ngettext("%(minutes)d minute", "%(minutes)d minutes", minutes) % {"minutes": minutes}
    message = _(
        "Too many failed sign-in attempts. Signing in is paused: try again in %(wait)s."
    ) % {"wait": wait}
    if _wants_json(request):
        # The passkey script shows the "detail" of an error answer.
        answer = JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    else:
        context = {
            **admin.site.each_context(request),
            "title": _("Signing in is paused"),
            "message": message,
            "wait": wait,
        }
        answer = render(request, "accounts/locked_out.html", context, status=429)
    answer["Retry-After"] = str(seconds)
    add_never_cache_headers(answer)
    return answer


def time_left(request, credentials):
    """How long until the lock lifts: the cool-off after the last failure counted
    against whichever of the account and the address is locked."""
    AxesProxyHandler.update_request(request)
    cool_off = get_cool_off(request)
    now = timezone.now()
    locked_since = []
    for field, value in (
        ("username", get_client_username(request, credentials)),
        ("ip_address", request.axes_ip_address),
    ):
        if value is None:
            continue
        counted = AccessAttempt.objects.filter(**{field: value}, attempt_time__gte=now - cool_off)
        failures = counted.aggregate(total=Sum("failures_since_start"), last=Max("attempt_time"))
        if (failures["total"] or 0) >= get_failure_limit(request, credentials):
            locked_since.append(failures["last"])
    if not locked_since:
        return cool_off
    return max(timedelta(0), max(locked_since) + cool_off - now)


def _wants_json(request):
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    )
