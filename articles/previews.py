"""Preview links: a signed, expiring link showing an unpublished story to someone
without an account. Creating and revoking one is audited like any change."""

from datetime import timedelta

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Article, PreviewLink
from .publishing import Status, is_editor, log

PREVIEW_SALT = "articles.preview-link"
PREVIEW_MAX_AGE = timedelta(days=30)


def create_preview_link(article: Article, *, by, valid_for: timedelta = timedelta(days=2)):
    """A signed link to an unpublished story for someone without an account."""
    if not is_editor(by):
        raise PermissionDenied(_("Only editors can share preview links."))
    if valid_for <= timedelta(0) or valid_for > PREVIEW_MAX_AGE:
        raise ValidationError(
            _("A preview link can last at most %(days)d days.") % {"days": PREVIEW_MAX_AGE.days},
            code="preview_too_long",
        )
    link = PreviewLink.objects.create(
        article=article, created_by=by, expires_at=timezone.now() + valid_for
    )
    until = timezone.localtime(link.expires_at).strftime("%Y-%m-%d %H:%M %Z")
    log(
        article,
        "preview_link",
        by=by,
        note=_("Preview link valid until %(until)s") % {"until": until},
    )
    return link


def preview_url(link: PreviewLink) -> str:
    token = signing.dumps({"link": link.pk, "article": link.article_id}, salt=PREVIEW_SALT)
    return reverse("articles:preview", kwargs={"token": token})


def article_for_preview(token: str) -> Article | None:
    """The story a preview token opens, or None if it is forged, expired or revoked."""
    return open_preview(token)[0]


def open_preview(token: str) -> tuple[Article | None, str]:
    """``(story, "")`` for a link that opens, else ``(None, why)``: "unknown" for a token
    this site never signed (mistyped, cut short), "expired", "revoked" or "removed"
    (the story was taken down) for a real link that no longer opens."""
    try:
        data = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        return None, "expired"
    except signing.BadSignature:
        return None, "unknown"
    link = (
        PreviewLink.objects.select_related("article")
        .filter(pk=data.get("link"), article_id=data.get("article"))
        .first()
    )
    if link is None:
        return None, "unknown"
    if link.revoked_at is not None:
        return None, "revoked"
    if not link.is_valid:
        return None, "expired"
    if link.article.status == Status.TAKEN_DOWN:
        return None, "removed"
    return link.article, ""


def revoke_preview_link(link: PreviewLink, *, by) -> None:
    if not is_editor(by):
        raise PermissionDenied(_("Only editors can revoke preview links."))
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        log(link.article, "preview_link_revoked", by=by)
