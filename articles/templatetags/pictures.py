"""A story's lead picture in templates: ``{% load pictures %}``.

django-imagekit works a rendition's file name out from a hash of the source's name
and the rendition's spec each time a template asks for it, about a tenth of a
millisecond, and a story card asks three times (``src`` and both ``srcset``
entries). The name depends on nothing else and a stored file's URL is
``MEDIA_URL`` + name (``newsroom/storage.py``), so each picture's URLs are worked
out once per process (and ``MEDIA_URL``).
"""

from typing import NamedTuple

from django import template
from django.conf import settings

register = template.Library()

# (MEDIA_URL, source name) -> renditions; a few hundred bytes each, emptied when full.
_known = {}
KNOWN_LIMIT = 4096


class Renditions(NamedTuple):
    small: str  # 480 px wide
    large: str  # 1200 px wide
    srcset: str


@register.simple_tag
def renditions(article) -> Renditions | None:
    """``{% renditions article as picture %}``: ``picture.small``, ``.large``, ``.srcset``.

    None when the story has no lead picture.
    """
    name = article.lead_image.name
    if not name:
        return None
    key = (settings.MEDIA_URL, name)
    found = _known.get(key)
    if found is None:
        if len(_known) >= KNOWN_LIMIT:
            _known.clear()
        found = _known[key] = Renditions(
            article.lead_image_small.url, article.lead_image_large.url, article.lead_image_srcset
        )
    return found
