import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files in tests go to a temporary folder, never into var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests need no collectstatic run: plain storage instead of the hashed manifest."""
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: every required part must really run."""
    import os

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(
            f"CI: {skipped} test(s) skipped; in CI that counts as a failure.", red=True
        )
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _sign_in_lockout_only_in_its_tests(request, settings):
    """django-axes refuses authenticate() without a request, which Django's
    test client login() and a bare authenticate() never pass. Tests of other
    apps sign in that way and run with it off, as axes' documentation advises;
    accounts/ tests (and the browser tests' servers) keep it on."""
    if "accounts" not in request.node.path.relative_to(request.config.rootpath).parts[:1]:
        settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests log in many times; a slow password hash proves nothing there."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Each test starts with an empty cache, and views are measured without the
    whole-page cache; tests of the page cache turn it on themselves."""
    from django.core.cache import caches

    from articles.lists import sizes

    # In-process tests keep pages in this process's memory, not in var/'s files.
    settings.CACHES = settings.CACHES | {
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"}
    }
    for alias in ("default", "pages"):
        caches[alias].clear()
    sizes.forget()  # the lists' counts of tags' stories, kept a minute in each process
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0
    yield
    for alias in ("default", "pages"):
        caches[alias].clear()
