"""The comments app's models, one module per concern; all importable from here."""

from .commenters import Ban, BanQuerySet, CommenterNote
from .comments import (
    MAX_DEPTH,
    Comment,
    CommentQuerySet,
    Reason,
    Redaction,
    Report,
    ReportQuerySet,
)
from .rules import CommentSettings, Digest, NotificationPreference

__all__ = [
    "MAX_DEPTH",
    "Ban",
    "BanQuerySet",
    "Comment",
    "CommentQuerySet",
    "CommentSettings",
    "CommenterNote",
    "Digest",
    "NotificationPreference",
    "Reason",
    "Redaction",
    "Report",
    "ReportQuerySet",
]
