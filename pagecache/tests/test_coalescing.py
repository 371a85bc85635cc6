"""A page missing from the cache is rendered once, however many readers ask for it at once."""

import threading
import time
from unittest import mock

from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings

from pagecache.middleware import PageCacheMiddleware


def keys(request, response):
    return {"story:1"}, None


class CoalescingTests(SimpleTestCase):
    def setUp(self):
        # After the suite's conftest, which turns the page cache off for other tests.
        cache_on = override_settings(
            NEWSROOM_PAGE_CACHE_SECONDS=600,
            PAGECACHE_DEPENDENCIES="pagecache.tests.test_coalescing.keys",
            PAGECACHE_COALESCE_SECONDS=2,
            ALLOWED_HOSTS=["testserver"],
        )
        cache_on.enable()
        self.addCleanup(cache_on.disable)

    def readers(self, count, view):
        """``count`` readers asking for the same page at the same moment: their answers."""
        middleware = PageCacheMiddleware(view)
        answers = [None] * count
        start = threading.Barrier(count)

        def read(n):
            start.wait()
            answers[n] = middleware(RequestFactory().get("/story/hot/"))

        threads = [threading.Thread(target=read, args=(n,)) for n in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        return answers

    def test_one_rendering_serves_everyone_waiting(self):
        renders = []

        def view(request):
            renders.append(1)
            time.sleep(0.2)  # a slow page: everyone else arrives while it renders
            return HttpResponse("<p>the hot story</p>")

        answers = self.readers(6, view)
        self.assertEqual(len(renders), 1)
        self.assertEqual([a.status_code for a in answers], [200] * 6)
        self.assertTrue(all(a.content == b"<p>the hot story</p>" for a in answers))
        self.assertEqual(sorted(a["X-Page-Cache"] for a in answers), ["hit"] * 5 + ["miss"])

    def test_a_waiting_reader_looks_again_within_milliseconds_not_tens_of_them(self):
        # A waiter holds its worker until it looks again: with 50 ms between looks, a
        # page stored after 25 ms kept every waiting worker idle twice as long.
        from pagecache import store

        naps = []
        sleep = time.sleep

        def nap(seconds):
            naps.append(seconds)
            sleep(seconds)

        def view(request):
            sleep(0.15)
            return HttpResponse("<p>the hot story</p>")

        with mock.patch.object(store.time, "sleep", nap):
            answers = self.readers(3, view)
        self.assertEqual([a.status_code for a in answers], [200] * 3)
        self.assertGreater(len(naps), 10)
        self.assertLessEqual(max(naps), 0.005)

    def test_an_answer_that_may_not_be_cached_is_rendered_for_each_reader(self):
        renders = []

        def view(request):
            renders.append(1)
            time.sleep(0.1)
            return HttpResponse("not found", status=404)

        answers = self.readers(3, view)
        self.assertEqual(len(renders), 3)
        self.assertEqual([a.status_code for a in answers], [404] * 3)

    def test_a_failed_rendering_does_not_hold_the_others(self):
        calls = []

        def view(request):
            calls.append(1)
            if len(calls) == 1:
                time.sleep(0.1)
                raise RuntimeError("the database went away")
            return HttpResponse("<p>rendered by the next reader</p>")

        middleware = PageCacheMiddleware(view)
        with self.assertRaises(RuntimeError):
            middleware(RequestFactory().get("/story/hot/"))
        answer = middleware(RequestFactory().get("/story/hot/"))
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer["X-Page-Cache"], "miss")
