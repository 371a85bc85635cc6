from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    """Scores comments for abuse and spam with models that run inside the site.

    Depends on nothing else in the project: the comment pipeline calls
    ``scoring.scorer.score`` and ``scoring.scorer.decide``.
    """

    name = "scoring"
    verbose_name = _("Comment scoring")
