"""Finding the ``Source`` a free-text attribution names ("kstp.com", a URL, a name)."""

from urllib.parse import urlsplit

from .models import Source, host_of


def is_home_page(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query and not parts.fragment


def resolve(name: str, url: str = "") -> tuple[Source, str]:
    """The source an attribution names, created when it is new, and the original
    item's URL in it ("" when the URL is only the partner's home page)."""
    name = name.strip()
    item_url = url if url and not is_home_page(url) else ""
    source = None
    if url:
        source = Source.objects.for_host(host_of(url))
    if source is None:
        source = Source.objects.filter(name__iexact=name).first()
    if source is None:
        site = ""
        if url:
            parts = urlsplit(url)
            site = f"{parts.scheme}://{parts.netloc}/"
        source = Source.objects.create(name=name, site_url=site)
    return source, item_url
