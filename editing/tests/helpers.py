"""Shared pieces of the editing tests."""

import json

from django.urls import reverse

from articles.tests.factories import make_user

FIELDS = {
    "headline": "Storm closes every school in town",
    "slug": "storm-closes-schools",
    "summary": "All schools shut on Friday.",
    "body": "<p>The council said so this morning.</p>",
    "section": "3",
    "comment_mode": "inherit",
}


def autosave_url(article=None):
    if article is None:
        return reverse("editing:autosave_new")
    return reverse("editing:autosave", args=[article.pk])


def post_json(client, url, payload, **extra):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(url, body, content_type="application/json", **extra)


def make_editor(username=None, **extra):
    return make_user(username, groups=["Editors"], **extra)


def make_writer(username=None, **extra):
    return make_user(username, groups=["Writers"], **extra)
