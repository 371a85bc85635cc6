"""Settings kept in one database row, edited in the admin, read through the cache."""

from django.core.cache import cache
from django.db import models, transaction
from django.urls import reverse


class CachedSingleton(models.Model):
    """One row (``SINGLETON_PK``), read with ``load()``: from the cache for a minute at
    most, else the database, else an unsaved row of the defaults. Saving refreshes the
    cache now and again after commit (another request may have cached the old row)."""

    SINGLETON_PK = 1
    CACHE_KEY = None  # each subclass names its own
    CACHE_SECONDS = 60

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)
        cache.delete(self.CACHE_KEY)
        transaction.on_commit(lambda: cache.delete(self.CACHE_KEY))

    def get_absolute_url(self):
        opts = self._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[self.SINGLETON_PK])

    @classmethod
    def load(cls):
        def from_database():
            return cls.objects.filter(pk=cls.SINGLETON_PK).first() or cls(pk=cls.SINGLETON_PK)

        return cache.get_or_set(cls.CACHE_KEY, from_database, cls.CACHE_SECONDS)
