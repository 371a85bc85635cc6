"""Readers' addresses behind proxies, and HEAD answered without a body."""

from contextlib import suppress
from ipaddress import ip_address, ip_network

from django.conf import settings


class TrustedProxyMiddleware:
    """Readers' own addresses behind a reverse proxy or load balancer.

    When the request comes straight from an address in ``TRUSTED_PROXIES``, the
    client is the nearest address in ``X-Forwarded-For`` that is not itself a
    trusted proxy; ``REMOTE_ADDR`` is set to it, so flood limits, bans and reports
    see readers, not the proxy. Headers from anyone else are ignored: a reader
    cannot choose their own address.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = [ip_network(entry, strict=False) for entry in settings.TRUSTED_PROXIES]

    def is_trusted(self, address):
        try:
            ip = ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def __call__(self, request):
        peer = request.META.get("REMOTE_ADDR", "")
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if self.trusted and forwarded and self.is_trusted(peer):
            for candidate in reversed([part.strip() for part in forwarded.split(",")]):
                if not self.is_trusted(candidate):
                    # Garbage in the header keeps the proxy's own address.
                    with suppress(ValueError):
                        request.META["REMOTE_ADDR"] = str(ip_address(candidate))
                    break
        return self.get_response(request)


class HeadResponseMiddleware:
    """Answer HEAD with the headers of GET and no body.

    Django renders HEAD like GET and leaves dropping the body to the server;
    gunicorn does drop it, but logs a warning for every such response. The
    Content-Length stays that of the body a GET would get.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                response.streaming_content = []
            else:
                if not response.has_header("Content-Length"):
                    response["Content-Length"] = str(len(response.content))
                response.content = b""
        return response
