"""The newsroom's editorial groups, created (and kept up to date) after migrate."""

from django.contrib.auth.models import Group, Permission

WRITERS = "Writers"
EDITORS = "Editors"

GROUP_PERMISSIONS = {
    # Writers draft stories and credit contributors; they cannot publish.
    WRITERS: [
        "articles.add_article",
        "articles.change_article",
        "articles.view_article",
        "articles.view_section",
        "articles.add_contributor",
        "articles.view_contributor",
        "articles.add_byline",
        "articles.change_byline",
        "articles.delete_byline",
        "articles.view_byline",
        "taggit.add_tag",
        "taggit.view_tag",
    ],
    # Editors run the whole desk.
    EDITORS: [
        "articles.add_article",
        "articles.change_article",
        "articles.delete_article",
        "articles.view_article",
        "articles.publish_article",
        "articles.add_section",
        "articles.change_section",
        "articles.view_section",
        "articles.add_contributor",
        "articles.change_contributor",
        "articles.view_contributor",
        "articles.add_byline",
        "articles.change_byline",
        "articles.delete_byline",
        "articles.view_byline",
        "taggit.add_tag",
        "taggit.change_tag",
        "taggit.delete_tag",
        "taggit.view_tag",
    ],
}


def grant(group_name, permission_names):
    """Add permissions ("app_label.codename") to a group, creating it if needed."""
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


def create_groups(**kwargs):
    for group_name, permission_names in GROUP_PERMISSIONS.items():
        grant(group_name, permission_names)
