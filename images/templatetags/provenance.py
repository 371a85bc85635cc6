"""A picture's content credentials for readers: ``{% load provenance %}``.

``{% content_credentials picture %}`` renders a short note to show with the caption and
a <details> with the rest; nothing for a picture without credentials. It reads only
``picture.credentials`` (already loaded with the picture): no query.
"""

from django import template

from images import provenance

register = template.Library()


@register.inclusion_tag("images/_content_credentials.html")
def content_credentials(picture):
    facts = provenance.describe(getattr(picture, "credentials", None))
    return {"credentials": facts}
