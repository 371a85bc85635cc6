from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditingConfig(AppConfig):
    """Autosaved working copies and presence for the story form ("never lose a word")."""

    name = "editing"
    verbose_name = _("Editing")

    def ready(self):
        from django.db.models.signals import post_save

        from articles.models import Revision

        from . import workingcopies

        # Every save of the story form records a revision: the words are in the story now.
        post_save.connect(
            workingcopies.forget_saved, sender=Revision, dispatch_uid="editing-forget-saved"
        )
