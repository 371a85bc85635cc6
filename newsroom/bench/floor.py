"""The floor: gunicorn serving fixed bytes from a bare WSGI app, no framework.

No Python web application can answer faster on this machine with the same
gunicorn settings, so every page is reported as a ratio to it.
"""

import os

# The 6 KB floor, or (FLOOR_BODY_FILE) the very bytes of a page, to compare a cached
# page with gunicorn sending the same bytes.
_file = os.environ.get("FLOOR_BODY_FILE")
BODY = (
    open(_file, "rb").read()  # noqa: SIM115 - read once at import
    if _file
    else b"<!DOCTYPE html><title>floor</title><p>" + b"x" * 6000
)
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
