"""The admin's content security policy: the site's own, with inline styles allowed.

Readers' pages allow no inline style at all (``SECURE_CSP``). The admin's rich-text
editor, django-prose-editor, sets style attributes as it edits, and the admin's
templates carry small ``<style>`` blocks, so under ``/admin/`` the policy is
``NEWSROOM_ADMIN_CSP``: the same, but ``style-src 'self' 'unsafe-inline'``.
Scripts stay nonce-only everywhere.
"""

from django.conf import settings
from django.urls import reverse
from django.views.decorators.csp import csp_override


class AdminContentSecurityPolicyMiddleware:
    """Apply ``csp_override(NEWSROOM_ADMIN_CSP)`` to everything under the admin's URL.

    A middleware rather than decorating views: it covers every admin page, the
    login, the catch-all 404 and third-party admin views alike. It must sit
    after ``ContentSecurityPolicyMiddleware``, which writes the header.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_response = csp_override(settings.NEWSROOM_ADMIN_CSP)(get_response)

    def __call__(self, request):
        if request.path.startswith(reverse("admin:index")):
            return self.admin_response(request)
        return self.get_response(request)
