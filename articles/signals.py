from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import cachekeys
from .models import Section


@receiver([post_save, post_delete], sender=Section)
def refresh_navigation(**kwargs):
    cache.delete(Section.NAVIGATION_CACHE_KEY)


# Cached pages showing what changed are retired (articles/cachekeys.py).
cachekeys.connect()
