"""Readers' addresses behind a trusted proxy (newsroom.middleware.TrustedProxyMiddleware)."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from newsroom.middleware import TrustedProxyMiddleware


def client_address(remote_addr, forwarded=None):
    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    seen = {}

    def view(request):
        seen["ip"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    TrustedProxyMiddleware(view)(request)
    return seen["ip"]


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "127.0.0.1"])
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("10.0.0.5", "203.0.113.7", "203.0.113.7"),  # through the load balancer
        (
            "10.0.0.5",
            "198.51.100.1, 203.0.113.7, 10.0.0.9",
            "203.0.113.7",
        ),  # spoofed left part ignored
        ("192.0.2.44", "203.0.113.7", "192.0.2.44"),  # not a proxy: its header is ignored
        ("10.0.0.5", "not-an-address", "10.0.0.5"),  # garbage keeps the proxy's address
        ("10.0.0.5", None, "10.0.0.5"),
        ("127.0.0.1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address(remote, forwarded, expected):
    assert client_address(remote, forwarded) == expected


@override_settings(TRUSTED_PROXIES=[])
def test_without_trusted_proxies_the_header_means_nothing():
    assert client_address("10.0.0.5", "203.0.113.7") == "10.0.0.5"


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_comment_records_the_readers_address_behind_the_proxy(client):
    from articles.tests.factories import make_article
    from comments.models import Comment
    from comments.tests.factories import form_data

    article = make_article()
    response = client.post(
        f"/comments/post/{article.pk}/",
        form_data(article),
        REMOTE_ADDR="10.1.2.3",
        headers={"x-forwarded-for": "203.0.113.9", "sec-fetch-site": "same-origin"},
    )
    assert response.status_code == 303
    assert Comment.objects.get().ip_address == "203.0.113.9"
