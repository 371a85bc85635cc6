"""The newsroom's editorial groups, created (and kept up to date) after migrate."""

from newsroom.permissions import grant

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


def create_groups(**kwargs):
    for group_name, permission_names in GROUP_PERMISSIONS.items():
        grant(group_name, permission_names)
