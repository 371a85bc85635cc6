import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_settings_cache():
    """Settings and counts are cached; a test's rolled-back rows must not outlive it there."""
    cache.clear()
    yield
    cache.clear()
