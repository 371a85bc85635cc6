"""Working copies: what someone typed into a story form, kept until they save the story.

A working copy never touches the story: it is not a revision, nothing publishes
it, and only the same user's form offers it back. It goes when that user saves
the story (``forget_saved``, on every revision they make) or discards it.
"""

import re

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import WorkingCopy

MAX_FIELDS = 200
MAX_CHOICES = 1000
FIELD_NAME = re.compile(r"^[A-Za-z_][\w.\-]{0,99}$")


class InvalidCopy(ValueError):
    """The autosave's content is not a form's fields; the message says what is wrong."""


def clean(payload) -> dict:
    """The storable part of an autosave: ``{"fields": {name: value}, "labels": {name: text}}``.

    A value is text, a checkbox's true/false or a list of chosen values;
    ``labels`` are the visible names of chosen options, so a choice loaded by
    an autocomplete widget can be shown again when restored.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("fields"), dict):
        raise InvalidCopy(_("The autosave must be a JSON object with the form's “fields”."))
    fields, labels = payload["fields"], payload.get("labels", {})
    if not isinstance(labels, dict):
        raise InvalidCopy(_("“labels” must be an object of field names and texts."))
    if len(fields) > MAX_FIELDS or len(labels) > MAX_FIELDS:
        raise InvalidCopy(_("A form has at most %(count)d fields to keep.") % {"count": MAX_FIELDS})
    for name, value in fields.items():
        if not FIELD_NAME.match(name):
            raise InvalidCopy(_("“%(name)s” is not a form field's name.") % {"name": name[:100]})
        if isinstance(value, list):
            if len(value) > MAX_CHOICES or not all(isinstance(v, str) for v in value):
                raise InvalidCopy(
                    _("The choices of “%(name)s” must be a list of texts.") % {"name": name}
                )
        elif not isinstance(value, str | bool):
            raise InvalidCopy(
                _("The value of “%(name)s” must be text, true or false, or a list of texts.")
                % {"name": name}
            )
    for name, text in labels.items():
        if name not in fields or not isinstance(text, str):
            raise InvalidCopy(_("Each label must name a kept field and be text."))
    return {"fields": fields, "labels": labels}


def keep(user, article, data: dict, *, now=None) -> WorkingCopy:
    """Store ``data`` (from ``clean``) as the user's copy of the story's form, or of the
    add form when ``article`` is None, replacing the one before."""
    now = now or timezone.now()
    if article is None:
        where = {"user": user, "article": None, "key": WorkingCopy.ADD_FORM}
    else:
        where = {"user": user, "article": article, "key": ""}
    copy, _created = WorkingCopy.objects.update_or_create(
        **where, defaults={"data": data, "saved_at": now}
    )
    return copy


def offer(user, article) -> WorkingCopy | None:
    """The copy to offer back when the user opens the form: one newer than the story's
    last save (for the add form, any). Whether it differs from what the form shows
    is for the page to tell."""
    copy = WorkingCopy.objects.of_form(user, article).first()
    if copy is None or (article is not None and copy.saved_at <= article.updated_at):
        return None
    return copy


def discard(user, article) -> int:
    """Forget the user's copy of this story's form (or of the add form)."""
    deleted, _by_model = WorkingCopy.objects.of_form(user, article).delete()
    return deleted


def forget_saved(sender, instance, created, raw=False, **kwargs):
    """``post_save`` of a revision: whoever made it has saved the story, so their copy of
    its form goes; a story's first revision also ends its author's add-form copy."""
    if raw or not created or instance.created_by_id is None:
        return
    discard(instance.created_by_id, instance.article_id)
    if instance.number == 1:
        discard(instance.created_by_id, None)
