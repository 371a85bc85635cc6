"""The floor: gunicorn serving fixed bytes from a bare WSGI app, no framework.

No Python web application can answer faster on this machine with the same
gunicorn settings, so every page is reported as a ratio to it.
"""

BODY = b"<!DOCTYPE html><title>floor</title><p>" + b"x" * 6000
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
