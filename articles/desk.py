"""Panels other apps add to the editors' desk (the admin index), without ``articles``
importing them: ``register(panel)`` with ``panel(user) -> DeskPanel | None``."""

from dataclasses import dataclass, field


@dataclass
class DeskItem:
    label: str
    url: str
    note: str = ""


@dataclass
class DeskPanel:
    title: str
    items: list[DeskItem] = field(default_factory=list)
    more_url: str = ""  # the whole list
    more_label: str = ""
    empty: str = ""


_panels = []


def register(panel):
    if panel not in _panels:
        _panels.append(panel)


def panels_for(user) -> list[DeskPanel]:
    shown = []
    for panel in _panels:
        found = panel(user)
        if found is not None:
            shown.append(found)
    return shown
