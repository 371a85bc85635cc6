"""The story form's JSON endpoints: autosave, discard, presence heartbeat and leave.

Every answer is JSON, refusals included (``{"error": "…"}`` with a 4xx status),
so the form's script can tell the writer what happened. None of them writes the
story: that only happens when the form itself is saved.
"""

import json
import logging
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import decorator_from_middleware
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from articles import publishing
from articles.models import Article

from . import presence, workingcopies
from .dates import clock

logger = logging.getLogger("django.security.csrf")

# An autosave is the form's text; 2 MB holds a very long story many times over.
MAX_AUTOSAVE_BYTES = 2 * 1024 * 1024
# How often the form sends its heartbeat (seconds); the page reads it from here.
HEARTBEAT_SECONDS = 15


class Refused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class JsonCsrfViewMiddleware(CsrfViewMiddleware):
    """Django's CSRF check, refusing with a JSON answer instead of the HTML page."""

    def _reject(self, request, reason):
        logger.warning("Forbidden (%s): %s", reason, request.path)
        return JsonResponse(
            {
                "error": _(
                    "This page's security token is no longer valid (%(reason)s). "
                    "Copy your text somewhere safe, then reload the page."
                )
                % {"reason": reason}
            },
            status=403,
        )


def endpoint(view):
    """POST only, for active staff, CSRF-checked; ``Refused`` becomes a JSON refusal."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "POST":
            return JsonResponse({"error": _("Send this with POST.")}, status=405)
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return JsonResponse(
                {"error": _("You are signed out. Sign in again to keep your changes.")},
                status=403,
            )
        try:
            return view(request, *args, **kwargs)
        except Refused as refusal:
            return JsonResponse({"error": refusal.message}, status=refusal.status)

    # The global middleware would answer a failed check with the site's HTML page;
    # the same check runs inside, answering in JSON.
    return csrf_exempt(never_cache(decorator_from_middleware(JsonCsrfViewMiddleware)(wrapper)))


def _story(request, article_id):
    """The story the user may edit, or None for the add form; refuses otherwise."""
    user = request.user
    if article_id is None:
        if not user.has_perm("articles.add_article"):
            raise Refused(403, _("You may not write new stories."))
        return None
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        raise Refused(
            404, _("There is no story %(id)s: it may have been deleted.") % {"id": article_id}
        )
    if not publishing.can_edit(user, article):
        raise Refused(403, _("You may not edit this story."))
    return article


def _json_body(request):
    too_big = Refused(
        413,
        _("The autosave is larger than %(size)d MB: it was not kept.")
        % {"size": MAX_AUTOSAVE_BYTES // (1024 * 1024)},
    )
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_AUTOSAVE_BYTES:
            raise too_big
    except ValueError:
        raise Refused(400, _("The request's length is not a number.")) from None
    try:
        body = request.body
    except RequestDataTooBig:
        raise too_big from None
    if len(body) > MAX_AUTOSAVE_BYTES:
        raise too_big
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Refused(400, _("The autosave is not valid JSON: it was not kept.")) from None


@endpoint
def autosave(request, article_id=None):
    """Keep the form's fields as the user's working copy of the story (or of the add form)."""
    article = _story(request, article_id)
    try:
        data = workingcopies.clean(_json_body(request))
    except workingcopies.InvalidCopy as error:
        raise Refused(400, str(error)) from None
    copy = workingcopies.keep(request.user, article, data)
    return JsonResponse(
        {
            "saved_at": copy.saved_at.isoformat(),
            "message": _("Your unsaved changes were kept at %(time)s.")
            % {"time": clock(copy.saved_at)},
        }
    )


@endpoint
def discard(request, article_id=None):
    """Forget the user's working copy of the story (or of the add form)."""
    article = _story(request, article_id)
    workingcopies.discard(request.user, article)
    return JsonResponse({"discarded": True})


@endpoint
def heartbeat(request, article_id):
    """The user's form is open on the story: answer who else has it open."""
    article = _story(request, article_id)
    others = presence.heartbeat(request.user, article)
    return JsonResponse(
        {
            "others": [
                {
                    "username": other.user.get_username(),
                    "name": other.user.get_full_name() or other.user.get_username(),
                    "since": other.since.isoformat(),
                    "message": presence.describe(other),
                }
                for other in others
            ],
            "interval": HEARTBEAT_SECONDS,
        }
    )


@endpoint
def leave(request, article_id):
    """The user's form on the story was closed (sent by the page as it goes)."""
    article = _story(request, article_id)
    presence.leave(request.user, article)
    return JsonResponse({"left": True})
