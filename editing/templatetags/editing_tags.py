"""``{% editing_form_tools %}``: autosave, the restore offer and presence in the story form."""

from django import template
from django.urls import reverse

from articles import publishing

from .. import views, workingcopies
from ..dates import human_time

register = template.Library()


@register.inclusion_tag("editing/_form_tools.html", takes_context=True)
def editing_form_tools(context):
    """The banners and the script, for a user who may edit the story the form shows
    (or write a new one on the add form). A read-only view of a story gets nothing."""
    request = context.get("request")
    user = getattr(request, "user", None)
    original = context.get("original")
    if user is None or not user.is_authenticated:
        return {"enabled": False}
    if context.get("add"):
        if not user.has_perm("articles.add_article"):
            return {"enabled": False}
        article, urls = None, {"autosave": "editing:autosave_new", "discard": "editing:discard_new"}
        args = []
    elif original is not None and publishing.can_edit(user, original):
        article, args = original, [original.pk]
        urls = {
            "autosave": "editing:autosave",
            "discard": "editing:discard",
            "presence": "editing:heartbeat",
            "leave": "editing:leave",
        }
    else:
        return {"enabled": False}
    copy = workingcopies.offer(user, article)
    return {
        "enabled": True,
        "csp_nonce": context.get("csp_nonce"),
        "urls": {name: reverse(url, args=args) for name, url in urls.items()},
        "copy": copy,
        "copy_data": copy.data if copy else None,
        "copy_when": human_time(copy.saved_at) if copy else "",
        "heartbeat_seconds": views.HEARTBEAT_SECONDS,
    }
