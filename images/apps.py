from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ImagesConfig(AppConfig):
    name = "images"
    verbose_name = "Pictures"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(grant_permissions, sender=self)


# The newsroom's groups by name (articles/roles.py creates them; images never imports
# articles): writers and editors both upload and describe pictures; only editors
# delete them, since a deleted picture disappears from every story using it.
GROUP_PERMISSIONS = {
    "Writers": ["add_picture", "change_picture", "view_picture"],
    "Editors": ["add_picture", "change_picture", "delete_picture", "view_picture"],
}


def grant_permissions(**kwargs):
    from newsroom.permissions import grant_group_permissions

    grant_group_permissions("images", GROUP_PERMISSIONS)
