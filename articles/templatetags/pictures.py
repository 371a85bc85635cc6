"""Library pictures in story pages and lists: ``{% load pictures %}``.

``{% picture article.lead_picture sizes="…" %}`` renders a ``<picture>``: AVIF and WebP
sources and a JPEG ``<img>`` with its width and height (no layout shift), from the
renditions ``images.renditions`` made when the picture was uploaded. Below the fold
(the default) it loads lazily; ``eager=True`` for the one picture a page leads with.
``{{ article.body|embed_pictures }}`` turns the body's figures of library pictures
into the same markup, with their caption and credit (``articles/embeds.py``).
"""

from django import template

from .. import embeds

register = template.Library()


@register.inclusion_tag("articles/_picture.html")
def picture(picture, shape="original", sizes="100vw", eager=False, css_class=""):
    """``{% picture article.lead_picture "16x9" sizes="…" eager=True css_class="…" %}``."""
    return embeds.picture_context(
        picture, shape=shape, sizes=sizes, eager=eager, css_class=css_class
    )


@register.filter
def embed_pictures(body):
    """``{{ article.body|embed_pictures }}``: the body, its library figures drawn."""
    return embeds.embed_pictures(body or "")
