"""The picture library in a real Chromium against the site served by gunicorn.

An editor uploads three pictures at once (each with its own progress bar), finds
them in the library as thumbnails, searches it, and sets a picture's focal point
by clicking on it; the renditions are rebuilt for the new point.
"""

import re
import secrets
import subprocess
import sys

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import REPO_ROOT
from .test_browser_admin import EDITOR, log_in, watch_for_problems

pytestmark = pytest.mark.browser

LIBRARY = "/admin/images/picture/"
BULK_UPLOAD = "/admin/images/picture/upload/"


def shell(site_env, code):
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", code],
        cwd=REPO_ROOT,
        env=site_env,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()


def picture_files(folder, word, count=3):
    """``count`` photo-like files named ``<word>-<n>.<ext>``, each unlike any other."""
    paths = []
    for n, fmt in zip(range(1, count + 1), ["JPEG", "PNG", "WEBP"], strict=False):
        image = Image.effect_noise((720, 480), 40 + n * 10).convert("RGB")
        path = folder / f"{word}-{n}.{fmt.lower()}"
        image.save(path, fmt)
        paths.append(path)
    return paths


def upload_several(page, paths):
    """Send ``paths`` through the bulk upload page; wait for every one to finish."""
    page.goto(BULK_UPLOAD)
    expect(page.get_by_role("heading", name="Upload several pictures")).to_be_visible()
    page.set_input_files("#bulk-files", [str(path) for path in paths])
    rows = page.locator("#bulk-uploads li")
    expect(rows).to_have_count(len(paths))
    finished = page.locator("#bulk-uploads li.uploaded, #bulk-uploads li.failed")
    expect(finished).to_have_count(len(paths), timeout=90_000)
    assert page.locator("#bulk-uploads li.failed").all_inner_texts() == []
    return rows


def test_editor_uploads_several_pictures_and_finds_them(new_context, site, tmp_path):
    """Three files chosen at once upload with three progress bars, each ending full
    with a link to its picture; the library then shows the three as thumbnails
    (loaded images, not broken), marked as needing alt text, and its search finds
    them by title."""
    word = f"quay{secrets.token_hex(3)}"
    paths = picture_files(tmp_path, word)
    page = new_context().new_page()
    log_in(page, *EDITOR)
    problems = watch_for_problems(page, site)

    rows = upload_several(page, paths)
    bars = page.locator("#bulk-uploads progress")
    expect(bars).to_have_count(3)
    assert [bars.nth(i).evaluate("bar => bar.value") for i in range(3)] == [100, 100, 100]
    for n in range(1, 4):
        row = rows.filter(has_text=f"{word}-{n}.")
        expect(row.get_by_role("link", name=f"{word} {n}")).to_have_attribute(
            "href", re.compile(r"^/admin/images/picture/\d+/change/$")
        )

    page.goto(f"{LIBRARY}?q={word}")
    results = page.locator("#result_list tbody tr")
    expect(results).to_have_count(3)
    expect(results.filter(has_text="Needs alt text")).to_have_count(3)
    thumbnails = results.locator("img.picture-thumb")
    expect(thumbnails).to_have_count(3)
    for i in range(3):
        thumbnail = thumbnails.nth(i)
        thumbnail.scroll_into_view_if_needed()
        expect(thumbnail).to_have_js_property("complete", True)
        assert thumbnail.evaluate("img => img.naturalWidth") > 0

    # The search box narrows the list to one picture by its title.
    search = page.locator("#searchbar")
    # Quoted: one phrase (the random word may itself contain a "2").
    search.fill(f'"{word} 2"')
    search.press("Enter")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(f"{word} 2")
    assert problems == []


def test_clicking_on_the_picture_sets_its_focal_point(new_context, site, site_env, tmp_path):
    """A click at a quarter across and three quarters down moves the marker there
    and, once saved, stores that point; the picture's version goes up and its
    renditions are remade for the new version."""
    word = f"pier{secrets.token_hex(3)}"
    page = new_context().new_page()
    log_in(page, *EDITOR)
    problems = watch_for_problems(page, site)
    # One picture through the add form, described as it is uploaded.
    page.goto(f"{LIBRARY}add/")
    page.set_input_files("#id_file", str(picture_files(tmp_path, word, count=1)[0]))
    page.get_by_label("Alt text:").fill("Waves breaking over the end of the pier")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Change picture")).to_be_visible()
    expect(page.get_by_label("Title:")).to_have_value(f"{word} 1")
    picture_id = int(re.search(r"/picture/(\d+)/change/", page.url).group(1))
    expect(page.locator(".field-version .readonly")).to_have_text("1")

    image = page.locator("[data-focal-picker] img")
    expect(image).to_have_js_property("complete", True)
    box = image.bounding_box()
    image.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.75})
    focal_x = float(page.locator("#id_focal_x").input_value())
    focal_y = float(page.locator("#id_focal_y").input_value())
    assert abs(focal_x - 0.25) < 0.01 and abs(focal_y - 0.75) < 0.01
    marker = page.locator(".focal-marker").bounding_box()
    assert abs(marker["x"] + marker["width"] / 2 - (box["x"] + box["width"] * 0.25)) < 3

    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_have_count(1)
    expect(page.locator(".field-version .readonly")).to_have_text("2")
    assert abs(float(page.locator("#id_focal_x").input_value()) - 0.25) < 0.01

    stored = shell(
        site_env,
        "from images.models import Picture\n"
        f"p = Picture.objects.get(pk={picture_id})\n"
        "print(p.focal_x, p.focal_y, p.version)\n"
        "print(sorted(set(p.renditions.values_list('picture_version', flat=True))))\n",
    )
    x, y, version = stored[0].split()
    assert abs(float(x) - 0.25) < 0.01 and abs(float(y) - 0.75) < 0.01
    assert version == "2"
    assert stored[1] == "[2]"
    assert problems == []
