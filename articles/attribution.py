"""What a story is based on, when it is another organisation's copy.

The attribution line ("Original Source: kstp.com", linked to the partner's page), the
JSON-LD ``isBasedOn`` / ``sourceOrganization`` and a cross-domain canonical link all
come from one ``Attribution``. ``articles`` keeps no sources of its own: the app that
does (``wire``) registers the function that gives a story's attribution, and the
relations ``for_display()`` fetches with the story so that giving it costs no query.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Attribution:
    name: str  # the organisation, as readers see it
    site_url: str = ""  # its site
    item_url: str = ""  # its page for this story, when known
    canonical_url: str = ""  # where search engines are pointed, when the terms say so

    @property
    def link(self) -> str:
        """Where the attribution line links: the original item, else the partner's site."""
        return self.item_url or self.site_url


_providers = []
_related = []
_deferred = []


def register(provider, *, related=(), defer=()):
    """``provider(article) -> Attribution | None``; ``related``: the relations it reads,
    for ``select_related`` on the story page's query; ``defer``: columns of them it never
    reads there (large ones), left out of that query."""
    if provider not in _providers:
        _providers.append(provider)
        _related.extend(name for name in related if name not in _related)
        _deferred.extend(name for name in defer if name not in _deferred)


def related() -> list[str]:
    return list(_related)


def deferred() -> list[str]:
    return list(_deferred)


def of(article) -> Attribution | None:
    for provider in _providers:
        found = provider(article)
        if found is not None:
            return found
    return None
