"""Mail to people about their stories (the configured mail backend; console by default)."""

import logging

from django.core.mail import send_mail
from django.utils.translation import gettext as _

from .models import Contributor

logger = logging.getLogger(__name__)


def notify_sent_back(article, *, note: str, who: str) -> None:
    """Mail the story's writer why it came back (the configured mail backend)."""
    writer = article.created_by
    addresses = {writer.email} if writer and writer.email else set()
    addresses |= {
        c.user.email
        for c in Contributor.objects.filter(bylines__article=article).select_related("user")
        if c.user_id and c.user.email
    }
    if not addresses:
        return
    who = who or _("An editor")
    subject = _("“%(story)s” was sent back to you") % {"story": article.headline}
    lines = [
        _("%(who)s sent your story back to draft.") % {"who": who},
        "",
        note or _("(No note was given.)"),
    ]
    try:
        send_mail(subject, "\n".join(lines), None, sorted(addresses))
    except Exception:  # noqa: BLE001 - mail is a courtesy: the note is on the desk and the form
        logger.exception("send-back mail for story %s failed", article.pk)
