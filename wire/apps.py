from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WireConfig(AppConfig):
    name = "wire"
    verbose_name = "Partner copy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from articles import attribution

        from . import signals

        signals.connect()
        attribution.register(
            story_attribution,
            related=["provenance__source"],
            # The partner's versions (whole stories, as JSON) are for editors only.
            defer=[
                "provenance__partner_copy",
                "provenance__previous_partner_copy",
                "provenance__source__licence",
            ],
        )
        post_migrate.connect(grant_permissions, sender=self)


def story_attribution(article):
    """The story's source, as ``articles.attribution`` shows it (no query: the story
    page's query brought the provenance and source along)."""
    from django.core.exceptions import ObjectDoesNotExist

    from articles.attribution import Attribution

    try:
        provenance = article.provenance
    except ObjectDoesNotExist:
        return None
    source = provenance.source
    return Attribution(
        name=source.name,
        site_url=source.site_url,
        item_url=provenance.original_url,
        canonical_url=provenance.canonical_url,
    )


# By group name (articles/roles.py creates the groups): writers see where copy came
# from and may set it on their stories; editors also run the sources and feeds.
GROUP_PERMISSIONS = {
    "Writers": ["view_source", "view_provenance", "add_provenance", "change_provenance"],
    "Editors": [
        "add_source",
        "change_source",
        "view_source",
        "add_feed",
        "change_feed",
        "delete_feed",
        "view_feed",
        "add_provenance",
        "change_provenance",
        "delete_provenance",
        "view_provenance",
        "view_incomingstory",
        "change_incomingstory",
    ],
}


def grant_permissions(**kwargs):
    from newsroom.permissions import grant_group_permissions

    grant_group_permissions("wire", GROUP_PERMISSIONS)
