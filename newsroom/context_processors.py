from django.conf import settings


def site(request):
    return {"SITE_NAME": settings.SITE_NAME}


def navigation(request):
    """Sections for the site navigation, from the cache (refreshed on change)."""
    from django.utils.functional import SimpleLazyObject

    from articles.models import Section

    return {"nav_sections": SimpleLazyObject(Section.cached_navigation)}
