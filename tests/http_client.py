"""A small browser for tests against real servers: cookies, forms and uploads (stdlib only).

Used where the site runs under gunicorn (several hosts, a restored backup, behind nginx):
``Browser(base_url)`` keeps its own cookie jar, so a reader without one is a second
``Browser``. ``log_in`` signs in through the admin's login page with the correct password
only (there is a lockout), and ``publish_story`` fills in the admin's story form as an
editor would and presses "Save and publish".
"""

import http.cookiejar
import json
import urllib.error
import urllib.request
import uuid
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin

TIMEOUT = 30


class Response:
    def __init__(self, status, headers, body, url):
        self.status, self.headers, self.body, self.url = status, headers, body, url

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    def form(self, *, id=None, with_field=None):
        """The first form on the page with this id, or with a field of this name."""
        for form in parse_forms(self.text):
            if (id and form.id == id) or (with_field and with_field in form.values):
                return form
        raise AssertionError(f"no such form on {self.url}: {self.text[:2000]}")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base_url, *, cookies=True, headers=None, ssl_context=None):
        self.base_url = base_url.rstrip("/")
        self.headers = headers or {}
        handlers = [_NoRedirects()]
        if ssl_context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=ssl_context))
        if cookies:
            self.jar = http.cookiejar.CookieJar()
            handlers.append(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener = urllib.request.build_opener(*handlers)

    def url(self, path):
        return urljoin(self.base_url + "/", path)

    def request(
        self, method, path, *, data=None, files=None, body=None, headers=None, follow=False
    ):
        """``data`` (a dict) form-encoded, with ``files`` as multipart, or ``body`` as is."""
        url = self.url(path)
        headers = {**self.headers, **(headers or {})}
        if files:
            body, content_type = multipart(data or {}, files)
            headers["Content-Type"] = content_type
        elif data is not None:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with self.opener.open(request, timeout=TIMEOUT) as answer:
                response = Response(answer.status, answer.headers, answer.read(), url)
        except urllib.error.HTTPError as error:
            with error:
                response = Response(error.code, error.headers, error.read(), url)
        if follow and response.status in (301, 302, 303, 307, 308):
            return self.request("GET", urljoin(url, response.headers["Location"]), follow=True)
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def head(self, path, **kwargs):
        return self.request("HEAD", path, **kwargs)

    def post(self, path, data, **kwargs):
        return self.request("POST", path, data=data, **kwargs)


def multipart(fields, files):
    """A multipart/form-data body: ``files`` maps a field to (file name, bytes, type)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + str(value).encode()
            + b"\r\n"
        )
    for name, (filename, content, content_type) in files.items():
        parts.append(
            (
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{name}"; filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Form:
    def __init__(self, attrs):
        self.id = attrs.get("id")
        self.action = attrs.get("action") or ""
        self.values = {}


class _FormParser(HTMLParser):
    """What a browser would send from each form, before the user types anything."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.form = [], None
        self.select = self.textarea = self.first_option = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.form = Form(attrs)
            self.forms.append(self.form)
        elif self.form is None or "name" not in attrs:
            if tag == "option" and self.select is not None:
                self._option(attrs)
            return
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.form.values[attrs["name"]] = attrs.get("value", "on" if kind == "checkbox" else "")
        elif tag == "textarea":
            self.textarea, self.text = attrs["name"], []
        elif tag == "select":
            self.select, self.first_option = attrs["name"], None

    def _option(self, attrs):
        value = attrs.get("value", "")
        if self.first_option is None:
            self.first_option = value
            self.form.values.setdefault(self.select, value)
        if "selected" in attrs:
            self.form.values[self.select] = value

    def handle_data(self, data):
        if self.textarea is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "textarea" and self.textarea is not None:
            self.form.values[self.textarea] = "".join(self.text).removeprefix("\n")
            self.textarea = None
        elif tag == "select":
            self.select = None


def parse_forms(html):
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


# The newsroom's admin ---------------------------------------------------------------------


def log_in(browser, username, password):
    """Sign in through the admin's login page; fails the test if that does not work."""
    page = browser.get("/admin/login/?next=/admin/", follow=True)
    form = page.form(with_field="password")
    values = form.values | {"username": username, "password": password}
    answer = browser.post(urljoin(page.url, form.action or page.url), values)
    assert answer.status in (302, 303), f"login refused ({answer.status}): {answer.text[:2000]}"
    assert browser.get("/admin/").status == 200, "signed in, but the admin is closed"


def publish_story(browser, *, headline, slug, picture, alt, body="<p>Reported today.</p>"):
    """Write a story in the admin's form with a lead picture and "Save and publish"."""
    add_url = "/admin/articles/article/add/"
    form = browser.get(add_url).form(id="article_form")
    values = form.values | {
        "headline": headline,
        "slug": slug,
        "summary": f"{headline}: the summary.",
        "body": body,
        "new_lead_picture_alt": alt,
        "new_lead_picture_caption": "Picture from the desk.",
        "_transition": "publish",
    }
    answer = browser.post(add_url, values, files={"new_lead_picture": picture})
    assert answer.status == 302, f"the story was not saved ({answer.status}): {answer.text[:4000]}"
    return answer
