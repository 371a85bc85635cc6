from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Stories")

    def ready(self):
        from . import roles

        post_migrate.connect(roles.create_groups, sender=self)
        from images import usage

        from . import (
            embeds,
            signals,  # noqa: F401
        )

        # Stories whose body embeds a picture: the library's "where used" (images never
        # imports articles).
        usage.register(embeds.stories_embedding, in_use=embeds.embedded_picture_ids)
