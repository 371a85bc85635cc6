"""Giving the newsroom's groups their permissions, for every app that has some."""

from django.contrib.auth.models import Group, Permission


def grant(group_name, permission_names):
    """Add permissions ("app_label.codename") to a group, creating it if needed. Raises
    if one does not exist (a renamed model would otherwise leave a group without it)."""
    group, _ = Group.objects.get_or_create(name=group_name)
    wanted = set()
    for name in permission_names:
        app_label, codename = name.split(".")
        wanted.add((app_label, codename))
    permissions = [
        p
        for p in Permission.objects.filter(
            content_type__app_label__in={a for a, _ in wanted}
        ).select_related("content_type")
        if (p.content_type.app_label, p.codename) in wanted
    ]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in permissions}
    if missing:
        raise RuntimeError(f"Permissions missing for group {group_name}: {sorted(missing)}")
    group.permissions.add(*permissions)
    return group


def grant_group_permissions(app_label, group_permissions):
    """``grant`` for one app's codenames: ``{"Editors": ["change_source", ...]}``."""
    for group_name, codenames in group_permissions.items():
        grant(group_name, [f"{app_label}.{codename}" for codename in codenames])
