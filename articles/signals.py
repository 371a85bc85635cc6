from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from taggit.models import TaggedItem

from . import pagecache
from .models import Article, Byline, Contributor, Correction, Section


@receiver([post_save, post_delete], sender=Section)
def refresh_navigation(**kwargs):
    cache.delete(Section.NAVIGATION_CACHE_KEY)


# Everything a reader's page can show: a change to any of it makes cached pages stale.
for model in (Article, Section, Byline, Contributor, Correction, TaggedItem):
    post_save.connect(
        pagecache.bump_after_commit, sender=model, dispatch_uid=f"pages-{model.__name__}-save"
    )
    post_delete.connect(
        pagecache.bump_after_commit, sender=model, dispatch_uid=f"pages-{model.__name__}-delete"
    )
m2m_changed.connect(
    pagecache.bump_after_commit, sender=Article.tags.through, dispatch_uid="pages-tags"
)
