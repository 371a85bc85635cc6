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
    from django.contrib.auth.models import Group, Permission

    for group_name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        permissions = Permission.objects.filter(
            content_type__app_label="images", codename__in=codenames
        )
        if len(permissions) != len(codenames):
            raise RuntimeError(f"Permissions missing for group {group_name}: {codenames}")
        group.permissions.add(*permissions)
