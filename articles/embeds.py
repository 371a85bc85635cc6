"""Library pictures drawn in stories: the lead picture, and figures embedded in a body.

A body embeds a picture as the editor writes it, a figure naming the picture's id::

    <figure class="figure" data-picture="12"><img src="…" alt="…" data-file="12">
    <figcaption>What the writer says of it here</figcaption></figure>

(``data-file`` is what django-prose-editor's figure keeps when it opens the body
again; ``data-picture`` is the library's name for it; either is enough.) The stored
``<img>`` is only the editor's preview: on the page each such figure becomes the
picture's ``<picture>`` markup from its current renditions, the writer's caption (or
the picture's own) and the picture's credit. A figure whose picture is gone from the
library is left out rather than shown broken.
"""

import re

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

from images import renditions
from images.models import Picture

# The body is nh3's output (richtext.sanitize_body): attributes always double-quoted,
# figures never nested, so these patterns read it reliably.
FIGURE = re.compile(r"<figure\b([^>]*)>(.*?)</figure>", re.DOTALL)
PICTURE_ID = re.compile(r'\bdata-(?:picture|file)="(\d+)"')
CAPTION = re.compile(r"<figcaption\b[^>]*>(.*?)</figcaption>", re.DOTALL)

# A body picture is as wide as the story's text column (42rem), or the screen.
BODY_SIZES = "(min-width: 44rem) 42rem, 100vw"


def picture_context(picture, *, shape="original", sizes="100vw", eager=False, css_class=""):
    """What ``articles/_picture.html`` needs to draw ``picture``: no query once the
    picture's renditions are loaded (``renditions.prefetch``)."""
    found = renditions.sources(picture, shape)
    return {
        "picture": picture,
        "sources": found,
        "width": found.get("width") or picture.width,
        "height": found.get("height") or picture.height,
        # A picture whose renditions are not made yet (rebuild_renditions) shows its original.
        "fallback": found.get("fallback") or picture.file.url,
        "sizes": sizes,
        "eager": eager,
        "css_class": css_class,
    }


def _figure_id(attributes, inner):
    found = PICTURE_ID.search(attributes) or PICTURE_ID.search(inner)
    return int(found[1]) if found else None


def picture_ids(body: str) -> list[int]:
    """The ids of the library pictures ``body`` embeds, in order, each once."""
    ids = (_figure_id(m[1], m[2]) for m in FIGURE.finditer(body or ""))
    return list(dict.fromkeys(pk for pk in ids if pk is not None))


def embed_pictures(body: str) -> str:
    """``body`` with each library figure drawn from the library: two queries at most
    (the pictures, their renditions), whatever the number of figures."""
    ids = picture_ids(body)
    if not ids:
        return mark_safe(body)  # noqa: S308 - the body is sanitised on every save
    pictures = {picture.pk: picture for picture in Picture.objects.filter(pk__in=ids)}
    renditions.prefetch(list(pictures.values()))

    def draw(match):
        pk = _figure_id(match[1], match[2])
        if pk is None:
            return match[0]  # not a library figure: as the sanitiser left it
        picture = pictures.get(pk)
        if picture is None:
            return ""
        caption = CAPTION.search(match[2])
        context = picture_context(picture, sizes=BODY_SIZES)
        context["caption"] = (
            mark_safe(caption[1].strip())  # noqa: S308 - sanitised body markup
            if caption and caption[1].strip()
            else escape(picture.caption)
        )
        return render_to_string("articles/_body_picture.html", context)

    return mark_safe(FIGURE.sub(draw, body))  # noqa: S308 - sanitised body + our templates


def stories_embedding(picture):
    """Stories whose body embeds ``picture`` (for the library's "where used")."""
    from .models import Article

    # nh3 writes every attribute double-quoted: the id's exact attribute text is enough.
    embeds = rf'data-(picture|file)="{int(picture.pk)}"'
    return list(Article.objects.filter(body__regex=embeds).only("pk", "headline", "slug"))


def embedded_picture_ids() -> set[int]:
    """Every picture some story body embeds: one query over the bodies that embed any."""
    from .models import Article

    ids = set()
    for body in Article.objects.filter(body__contains="data-").values_list("body", flat=True):
        ids.update(picture_ids(body))
    return ids
