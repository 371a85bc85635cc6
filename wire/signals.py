"""Story pages show their source: a change to either retires those pages at once
(in every cache and behind the reverse proxy, through ``articles.cachekeys``)."""

from django.db.models.signals import post_delete, post_save

from articles.cachekeys import invalidate_stories

from .models import Provenance, Source


def _provenance_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        invalidate_stories([instance.article_id])


def _source_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        invalidate_stories(list(instance.stories.values_list("article_id", flat=True)))


def connect():
    post_save.connect(_provenance_changed, sender=Provenance, dispatch_uid="wire-provenance")
    post_delete.connect(_provenance_changed, sender=Provenance, dispatch_uid="wire-provenance-del")
    post_save.connect(_source_changed, sender=Source, dispatch_uid="wire-source")
