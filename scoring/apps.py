from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    """Scores comments for abuse and spam with models that run inside the site.

    Depends on nothing else in the project: the comment pipeline calls
    ``scoring.scorer.score`` and ``scoring.scorer.decide``.
    """

    name = "scoring"
    verbose_name = _("Comment scoring")

    def warm(self):
        """The abuse model, in gunicorn's master before it forks (newsroom/warmup.py).

        Otherwise each worker read it on its first comment, and the first comments
        after a deploy waited for it to be converted (a second or more, one worker
        after another, under the conversion's lock) while those workers served no
        reader. Files only: the converted model, written first if this version has
        none yet. Trained site models are in the database and load in the worker.
        """
        from . import baseline

        baseline.abuse_model()
