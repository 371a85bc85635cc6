"""Undoing a moderator's decision from the message that confirms it.

The message names the comments decided on and carries a small POST form (with
its CSRF token) to ``CommentAdmin``'s undo URL; ``moderation.undo`` does the work.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .. import moderation
from ..models import Comment

NAMED = 3  # comments named in a message; the rest are counted


def named_comments(comments):
    """“First words…” (author), for the first few comments, then how many more."""
    comments = list(comments)
    names = format_html_join(
        ", ",
        "“{}” ({})",
        ((Truncator(c.body).chars(40), c.name) for c in comments[:NAMED]),
    )
    rest = len(comments) - NAMED
    if rest > 0:
        more = ngettext("and %(count)d more", "and %(count)d more", rest) % {"count": rest}
        return format_html("{} {}", names, more)
    return names


def decision_message(request, decision, count, done):
    """“2 comments approved. “First words…” (Ada), … [Undo]” as safe HTML."""
    summary = ngettext("%(count)d comment %(done)s.", "%(count)d comments %(done)s.", count) % {
        "count": count,
        "done": done,
    }
    return format_html(
        '{} <span class="decided-comments">{}.</span> '
        '<form method="post" action="{}" class="undo-decision">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="decision" value="{}">'
        "{}"
        '<input type="hidden" name="next" value="{}">'
        '<button type="submit" class="button">{}</button></form>',
        summary,
        named_comments(decision.comments),
        reverse("admin:comments_comment_undo"),
        get_token(request),
        decision.id,
        format_html_join(
            "",
            '<input type="hidden" name="comment" value="{}">',
            ((c.pk,) for c in decision.comments),
        ),
        request.get_full_path(),
        _("Undo"),
    )


@require_POST
def undo_view(request, *, model_admin):
    """Undo the decision the form names, then go back to the page the message was on."""
    if not model_admin.has_moderate_permission(request):
        raise PermissionDenied
    pks = [pk for pk in request.POST.getlist("comment") if pk.isdigit()]
    comments = Comment.objects.filter(pk__in=pks)
    try:
        undone = moderation.undo(
            comments, decision=request.POST.get("decision", ""), by=request.user
        )
    except ValidationError as error:
        model_admin.message_user(request, " ".join(error.messages), messages.ERROR)
    else:
        if undone.restored:
            model_admin.message_user(
                request,
                format_html(
                    "{} {}.",
                    ngettext(
                        "Undone: %(count)d comment is back as it was:",
                        "Undone: %(count)d comments are back as they were:",
                        len(undone.restored),
                    )
                    % {"count": len(undone.restored)},
                    named_comments(undone.restored),
                ),
                messages.SUCCESS,
            )
        if undone.left_alone:
            model_admin.message_user(
                request,
                format_html(
                    "{} {}.",
                    ngettext(
                        "Left alone, as it changed after that decision:",
                        "Left alone, as they changed after that decision:",
                        len(undone.left_alone),
                    ),
                    named_comments(undone.left_alone),
                ),
                messages.WARNING,
            )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("admin:comments_comment_changelist")
    return HttpResponseRedirect(back)
