"""Comments sent at the same moment, against real gunicorn with several workers.

Resubmission and flood checks read earlier comments and then insert; without a
lock held across both, simultaneous requests from one commenter all pass the
checks. The site runs on its own database (so the shared demo site is not
flooded) behind a "proxy" at 127.0.0.1, so each test speaks from its own address.
"""

import html
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from comments.checks import TOKEN_MIN_AGE

from .conftest import demo_site_env, gunicorn, shell

SENDERS = 10
# One burst can miss the race by chance; each burst uses its own commenters.
BURSTS = 3


@pytest.fixture(scope="module")
def race_site():
    with (
        demo_site_env(suffix="_races", TRUSTED_PROXIES="127.0.0.1") as env,
        gunicorn(env, workers=4) as base_url,
    ):
        yield env, base_url


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 303 itself is what the test looks at


OPENER = urllib.request.build_opener(_NoRedirects)


def fetch(url, *, data=None, headers=None):
    """(status, headers, body) of one request; HTTP errors are answers too."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with OPENER.open(request, timeout=60) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as answer:
        with answer:
            return answer.code, answer.headers, answer.read().decode()


def open_story(base_url):
    """A story taking comments: its path, where its form posts and the form's token,
    waited on until a person could have typed a comment."""
    status, _, home = fetch(f"{base_url}/")
    assert status == 200
    for path in dict.fromkeys(re.findall(r'href="(/story/[^"/]+/)"', home)):
        status, _, page = fetch(f"{base_url}{path}")
        form = re.search(r'<form class="comment-form" method="post" action="([^"#]+)', page)
        if status == 200 and form:
            token = html.unescape(re.search(r'name="token" value="([^"]+)"', page).group(1))
            issued = int(token.split(":")[1])
            time.sleep(max(0.0, issued + TOKEN_MIN_AGE + 1 - time.time()))
            return path, form.group(1), token
    pytest.fail("No demo story takes comments")


def send_at_once(base_url, action, posts):
    """Send every (address, fields) post at the same moment; their answers, in order."""
    start = threading.Barrier(len(posts))

    def send(post):
        address, fields = post
        headers = {"Sec-Fetch-Site": "same-origin", "X-Forwarded-For": address}
        start.wait()
        return fetch(f"{base_url}{action}", data=fields, headers=headers)

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return list(pool.map(send, posts))


def stored_comments(env, story_path):
    """(email, body) of every comment stored on the story, read from the site's database."""
    slug = story_path.strip("/").split("/")[-1]
    code = (
        "import json; from comments.models import Comment; "
        f"print(json.dumps(list(Comment.objects.filter(article__slug={slug!r})"
        ".values_list('email', 'body'))))"
    )
    return [tuple(row) for row in json.loads(shell(env, code)[-1])]


def fields(token, *, name, email, body):
    return {"name": name, "email": email, "body": body, "token": token, "leave_empty": ""}


def test_the_same_comment_sent_ten_times_at_once_is_stored_once(race_site):
    """A reader's ten simultaneous sends of one comment: one comment, and each send is
    told what became of it."""
    env, base_url = race_site
    story, action, token = open_story(base_url)
    for burst in range(BURSTS):
        email = f"ten.times.{burst}@example.com"
        body = f"Reader {burst} sent this ten times at once: it must be stored once."
        post = fields(token, name=f"Reader {burst}", email=email, body=body)
        answers = send_at_once(base_url, action, [(f"198.51.100.{10 + burst}", post)] * SENDERS)

        for status, headers, _ in answers:
            assert status == 303
            assert urllib.parse.urlsplit(headers["Location"]).path == story
        assert stored_comments(env, story).count((email, body)) == 1


def test_ten_comments_at_once_from_one_address_store_one(race_site):
    """The flood limit per IP address holds for simultaneous posts, even under
    different names and email addresses: one stored, nine refused with the text kept."""
    env, base_url = race_site
    story, action, token = open_story(base_url)
    for burst in range(BURSTS):
        address = f"198.51.100.{20 + burst}"
        posts = [
            (
                address,
                fields(
                    token,
                    name=f"Sender {n}",
                    email=f"sender.{burst}.{n}@example.com",
                    body=f"Comment number {n} of burst {burst} from one address.",
                ),
            )
            for n in range(SENDERS)
        ]
        answers = send_at_once(base_url, action, posts)

        assert sorted(status for status, _, _ in answers) == [303] + [429] * (SENDERS - 1)
        for (status, headers, page), (_, sent) in zip(answers, posts, strict=True):
            if status == 429:
                assert int(headers["Retry-After"]) >= 1
                assert "You are commenting too fast" in page
                assert sent["body"] in page  # the reader's text comes back in the form
        emails = [email for email, _ in stored_comments(env, story)]
        assert sum(email.startswith(f"sender.{burst}.") for email in emails) == 1


def test_ten_comments_at_once_with_one_email_store_one(race_site):
    """The flood limit per email address holds for simultaneous posts from many addresses."""
    env, base_url = race_site
    story, action, token = open_story(base_url)
    for burst in range(BURSTS):
        email = f"one.email.{burst}@example.com"
        posts = [
            (
                f"203.0.113.{10 * burst + n}",
                fields(token, name="One Email", email=email, body=f"Comment {n} from one email."),
            )
            for n in range(SENDERS)
        ]
        answers = send_at_once(base_url, action, posts)

        assert sorted(status for status, _, _ in answers) == [303] + [429] * (SENDERS - 1)
        emails = [stored for stored, _ in stored_comments(env, story)]
        assert emails.count(email) == 1
