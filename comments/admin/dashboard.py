"""The moderation dashboard: the desk at a glance, for people who may moderate.

Wired into the admin by ``CommentAdmin.get_urls`` (``admin:comments_dashboard``), so
the admin's login, staff check and CSP apply; the figures and charts come from
``comments.dashboard``.
"""

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import dashboard


def dashboard_view(model_admin):
    """The view for ``model_admin``'s admin site (wrap it in ``admin_site.admin_view``)."""

    def view(request):
        if not model_admin.has_moderate_permission(request):
            raise PermissionDenied
        figures = dashboard.figures()
        changelist = reverse("admin:comments_comment_changelist")
        queues = [q | {"url": f"{changelist}?queue={q['key']}"} for q in figures.queues]
        context = {
            **model_admin.admin_site.each_context(request),
            "title": _("Moderation dashboard"),
            "opts": model_admin.model._meta,
            "figures": figures,
            "queues": queues,
            "oldest_held_age": dashboard.duration_text(figures.oldest_held_age),
            "median_decision": dashboard.duration_text(figures.median_decision),
            "window_days": dashboard.WINDOW_DAYS,
            "charts": dashboard.charts(figures),
            "changelist_url": changelist,
        }
        return TemplateResponse(request, "admin/comments/dashboard.html", context)

    return view
