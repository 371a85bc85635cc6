"""What every process would otherwise do on its first requests, done once before gunicorn forks.

Django builds much of itself lazily: the URLconfs are imported, their patterns compiled
and the reverse lookups built on the first ``reverse()`` or ``resolve()``; each template
is read and compiled the first time it is rendered (then kept by the cached loader);
a cache backend's module (and the Redis client library, 240 ms to import) comes in on
the first cache call; an app's own heavy parts (the comment scoring's abuse model, read
from disk, converted there first once per version) on their first use. A worker's first
page paid all of it: about 340 ms against 25 ms for the next, on the 1,000,000-story
archive. gunicorn replaces each worker every ``max_requests`` (see
``newsroom/gunicorn.conf.py``), so on a busy site that cost came back every few minutes
per worker, in the p99 of every page.

``warm()`` runs where the application is loaded (``newsroom/wsgi.py``): with
``preload_app`` that is gunicorn's master, once, and every worker forked from it starts
with the work done and shares its memory. It reads files only: it opens no connection to
the database or the cache, so no socket is shared between the forked workers.

An app takes part by giving its ``AppConfig`` a ``warm()`` method, which must keep to the
same rule (files only, no connection).
"""

import logging
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template import TemplateSyntaxError, engines
from django.urls import URLResolver, get_resolver
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

TEMPLATE_SUFFIXES = {".html", ".xml", ".txt"}


def warm():
    started = time.perf_counter()
    for config in settings.CACHES.values():
        import_string(config["BACKEND"])  # the backend's module and its client library
    patterns = _urls(get_resolver())
    templates = _templates()
    warmed = _apps()
    logger.info(
        "Warmed %d URL patterns, %d templates and %s in %.0f ms",
        patterns,
        templates,
        ", ".join(warmed) or "no app",
        (time.perf_counter() - started) * 1000,
    )


def _apps() -> list[str]:
    """Each app's own ``warm()``; the labels of those that did."""
    warmed = []
    for config in apps.get_app_configs():
        hook = getattr(config, "warm", None)
        if callable(hook):
            hook()
            warmed.append(config.label)
    return warmed


def _urls(resolver: URLResolver) -> int:
    """Compile every pattern and build every resolver's reverse lookups (which imports
    every URLconf and view module); the number of patterns."""
    count = 0
    for entry in resolver.url_patterns:
        entry.pattern.regex  # noqa: B018 - compiled on first access, then kept
        if isinstance(entry, URLResolver):
            count += _urls(entry)
        else:
            count += 1
    resolver.reverse_dict  # noqa: B018 - built on first access, then kept
    return count


def _own_template_dirs(engine) -> list[Path]:
    """The project's template directories: ``DIRS`` and the apps that live in the project
    (Django's and other libraries' templates, the admin's mostly, load as they are used)."""
    base = Path(settings.BASE_DIR).resolve()
    dirs = []
    for loader in engine.template_loaders:
        for directory in loader.get_dirs():
            path = Path(directory).resolve()
            installed = {"site-packages", "dist-packages"} & set(path.parts)  # a venv inside
            if path.is_relative_to(base) and not installed and path.is_dir() and path not in dirs:
                dirs.append(path)
    return dirs


def _templates() -> int:
    """Compile the project's own templates into the cached loader; the number compiled."""
    count = 0
    for backend in engines.all():
        engine = getattr(backend, "engine", None)
        if engine is None:  # not the Django template language
            continue
        for directory in _own_template_dirs(engine):
            for path in sorted(directory.rglob("*")):
                if path.suffix not in TEMPLATE_SUFFIXES or not path.is_file():
                    continue
                name = path.relative_to(directory).as_posix()
                try:
                    backend.get_template(name)
                except TemplateSyntaxError as error:
                    # Rendering it would fail the same way; say so now, and go on.
                    logger.warning("Template %s does not compile: %s", name, error)
                    continue
                count += 1
    return count
