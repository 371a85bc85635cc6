from django.conf import settings
from django.core.management.base import CommandError
from django.utils.module_loading import import_string


def site_decisions():
    """The (text, label) pairs the callable named by SCORING_TRAINING_DATA returns."""
    path = getattr(settings, "SCORING_TRAINING_DATA", "")
    if not path:
        raise CommandError(
            "Set SCORING_TRAINING_DATA to the dotted path of a function returning "
            "(text, label) pairs, label one of approved, rejected, spam."
        )
    try:
        source = import_string(path)
    except ImportError as error:
        raise CommandError(f"SCORING_TRAINING_DATA: cannot import {path}: {error}") from error
    return list(source())
