"""Where a picture is used: generic, so ``images`` never imports the apps that use it.

Two sources, both asked by ``where_used`` and ``used_picture_ids``:

* every model that points at ``Picture`` through a relation (a story's
  ``lead_picture`` is ``Picture.lead_stories``), found in ``Picture._meta.related_objects``;
* functions other apps ``register`` for uses no relation records, e.g. stories whose
  body embeds ``<img data-picture="<id>">``.

A registered provider is a function ``provider(picture) -> iterable of model
instances``. Give it ``in_use=`` too, a function returning the ids of every
picture it knows to be used, so the library's "used / unused" filter costs one
query per provider instead of one per picture.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Model
from django.urls import NoReverseMatch, reverse

_providers: list[tuple[Callable, Callable | None]] = []


@dataclass(frozen=True)
class Use:
    """One object using a picture, as the library shows it."""

    obj: Model
    kind: str
    label: str
    admin_url: str | None


def register(provider=None, *, in_use=None):
    """Add a provider of uses (also usable as a bare decorator); returns it.

    Registering the same function twice keeps one entry, so an app's ``ready()``
    may run more than once (as it does in some test setups) without doubling uses.
    """

    def add(function):
        unregister(function)
        _providers.append((function, in_use))
        return function

    return add(provider) if provider is not None else add


def unregister(provider):
    _providers[:] = [entry for entry in _providers if entry[0] is not provider]


def _relations():
    """Relations from other apps' models to Picture (the picture's own renditions
    and taggit's generic tag links are not uses)."""
    from .models import Picture

    return [
        relation
        for relation in Picture._meta.related_objects
        if relation.related_model._meta.app_label != Picture._meta.app_label
        and getattr(relation, "field", None) is not None
        and not relation.related_model._meta.auto_created
    ]


def _admin_url(obj):
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def _use(obj):
    return Use(
        obj=obj,
        kind=str(obj._meta.verbose_name),
        label=str(obj),
        admin_url=_admin_url(obj),
    )


def where_used(picture) -> list[Use]:
    """Every object that uses ``picture``, each once, in a stable order."""
    found: dict[tuple[str, object], Model] = {}

    def add(objects: Iterable[Model]):
        for obj in objects:
            found.setdefault((obj._meta.label, obj.pk), obj)

    for relation in _relations():
        add(relation.related_model._default_manager.filter(**{relation.field.name: picture}))
    for provider, _ in _providers:
        add(provider(picture))
    return [_use(obj) for obj in found.values()]


def used_picture_ids() -> set:
    """Ids of every picture something uses (for the library's "used" filter)."""
    from .models import Picture

    ids = set()
    for relation in _relations():
        name = relation.field.name
        ids.update(
            relation.related_model._default_manager.filter(**{f"{name}__isnull": False})
            .values_list(name, flat=True)
            .distinct()
        )
    for provider, in_use in _providers:
        if in_use is not None:
            ids.update(in_use())
        else:
            # No bulk answer: ask about each picture (slow, but never wrong).
            ids.update(picture.pk for picture in Picture.objects.all() if any(provider(picture)))
    return ids
