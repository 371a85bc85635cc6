"""The articles app's models, one module per concern; all importable from here."""

from .frontpage import FrontPagePin, FrontPagePinQuerySet
from .history import ArticleEvent, Correction, CorrectionQuerySet, PreviewLink, Revision
from .stories import Article, Byline, CommentMode, Contributor, Section

__all__ = [
    "Article",
    "ArticleEvent",
    "Byline",
    "CommentMode",
    "Contributor",
    "Correction",
    "CorrectionQuerySet",
    "FrontPagePin",
    "FrontPagePinQuerySet",
    "PreviewLink",
    "Revision",
    "Section",
]
