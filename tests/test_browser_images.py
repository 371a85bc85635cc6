"""The picture library in a real Chromium against the site served by gunicorn.

An editor uploads three pictures at once (each with its own progress bar), finds
them in the library as thumbnails, searches it, sets a picture's focal point by
clicking on it and crops it by dragging across it; the renditions are rebuilt for the
new point and crop.
"""

import re
import secrets

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import shell
from .test_browser_admin import EDITOR, log_in, watch_for_problems

pytestmark = pytest.mark.browser

LIBRARY = "/admin/images/picture/"
BULK_UPLOAD = "/admin/images/picture/upload/"


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


def add_picture(page, path, alt_text):
    """Upload one picture through the add form, described as it is uploaded; returns
    its id (the browser is left on its change page)."""
    page.goto(f"{LIBRARY}add/")
    page.set_input_files("#id_file", str(path))
    page.get_by_label("Alt text:").fill(alt_text)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Change picture")).to_be_visible()
    expect(page.get_by_label("Title:")).to_have_value(path.stem.replace("-", " "))
    return int(re.search(r"/picture/(\d+)/change/", page.url).group(1))


def shown_picture(page):
    image = page.locator("[data-focal-picker] img")
    expect(image).to_have_js_property("complete", True)
    image.scroll_into_view_if_needed()
    return image, image.bounding_box()


def crop_inputs(page):
    return [
        page.locator(f"#id_crop_{side}").input_value()
        for side in ["left", "top", "right", "bottom"]
    ]


def save_and_continue(page, version):
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_have_count(1)
    expect(page.locator(".field-version .readonly")).to_have_text(str(version))


STORED_PICTURE = """
import io
from PIL import Image
from images.models import Picture
p = Picture.objects.get(pk={pk})
print(p.focal_x, p.focal_y, p.version)
print(p.crop_left, p.crop_top, p.crop_right, p.crop_bottom)
print(sorted(set(p.renditions.values_list('picture_version', flat=True))))
largest = p.renditions.filter(
    picture_version=p.version, shape='original', format='jpeg').order_by('-width')[0]
with largest.file.open('rb') as stored:
    image = Image.open(io.BytesIO(stored.read())).convert('RGB')
red = sum(1 for r, g, b in image.get_flattened_data() if r > 150 and b < 100)
print(image.width, image.height, red)
"""


def stored_picture(site_env, picture_id):
    """The picture as the database has it: focal point and version, crop (None for
    none), the versions of its renditions, and its largest original-shape JPEG's
    size and how many of its pixels are red."""
    lines = shell(site_env, STORED_PICTURE.format(pk=picture_id))
    x, y, version = lines[0].split()
    crop = [None if value == "None" else int(value) for value in lines[1].split()]
    width, height, red = (int(value) for value in lines[3].split())
    return {
        "focal": (float(x), float(y)),
        "version": int(version),
        "crop": crop,
        "rendition_versions": lines[2],
        "largest": (width, height),
        "red_pixels": red,
    }


def test_clicking_on_the_picture_sets_its_focal_point(new_context, site, site_env, tmp_path):
    """A click at a quarter across and three quarters down moves the marker there
    and, once saved, stores that point; the picture's version goes up and its
    renditions are remade for the new version. A click draws no crop."""
    word = f"pier{secrets.token_hex(3)}"
    page = new_context().new_page()
    log_in(page, *EDITOR)
    problems = watch_for_problems(page, site)
    path = picture_files(tmp_path, word, count=1)[0]
    picture_id = add_picture(page, path, "Waves breaking over the end of the pier")
    expect(page.locator(".field-version .readonly")).to_have_text("1")

    image, box = shown_picture(page)
    image.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.75})
    focal_x = float(page.locator("#id_focal_x").input_value())
    focal_y = float(page.locator("#id_focal_y").input_value())
    assert abs(focal_x - 0.25) < 0.01 and abs(focal_y - 0.75) < 0.01
    marker = page.locator(".focal-marker").bounding_box()
    assert abs(marker["x"] + marker["width"] / 2 - (box["x"] + box["width"] * 0.25)) < 3
    assert crop_inputs(page) == ["", "", "", ""]
    expect(page.locator(".crop-box")).to_be_hidden()
    expect(page.locator(".crop-size")).to_have_text("No crop: the whole picture is used.")

    save_and_continue(page, 2)
    assert abs(float(page.locator("#id_focal_x").input_value()) - 0.25) < 0.01

    stored = stored_picture(site_env, picture_id)
    assert abs(stored["focal"][0] - 0.25) < 0.01 and abs(stored["focal"][1] - 0.75) < 0.01
    assert stored["version"] == 2
    assert stored["rendition_versions"] == "[2]"
    assert stored["crop"] == [None, None, None, None]
    assert problems == []


def halves_file(folder, word):
    """A 720×480 PNG, red on the left half and blue on the right, unlike any other
    (a few pixels of the red half carry a random colour)."""
    image = Image.new("RGB", (720, 480), (220, 20, 20))
    image.paste((20, 40, 220), (360, 0, 720, 480))
    for n, byte in enumerate(secrets.token_bytes(6)):
        image.putpixel((n, 0), (byte, 255 - byte, byte // 2))
    path = folder / f"{word}-1.png"
    image.save(path, "PNG")
    return path


def test_dragging_on_the_picture_crops_it(new_context, site, site_env, tmp_path):
    """A drag across the blue right part of a red-and-blue picture draws a crop box
    with the rest dimmed, gives its size in the original's pixels and moves the focal
    point (left of it) to its centre; saved, the crop is stored and every rendition is
    made from it (no red left). A later click inside it moves only the focal point.
    "Remove crop", reached with Tab and pressed with Enter, gives back the whole
    picture."""
    word = f"quay{secrets.token_hex(3)}"
    page = new_context().new_page()
    log_in(page, *EDITOR)
    problems = watch_for_problems(page, site)
    picture_id = add_picture(page, halves_file(tmp_path, word), "Red and blue halves")
    remove = page.get_by_role("button", name="Remove crop")
    expect(remove).to_be_hidden()

    # From 60 % across and 10 % down to 90 % across and 90 % down: in the original's
    # pixels about (432, 48)–(648, 432).
    image, box = shown_picture(page)
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.1)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.9, steps=8)
    page.mouse.up()

    left, top, right, bottom = (int(value) for value in crop_inputs(page))
    tolerance = 720 / box["width"] + 2  # one screen pixel in the original, and rounding
    for got, expected in zip((left, top, right, bottom), (432, 48, 648, 432), strict=True):
        assert abs(got - expected) <= tolerance, (left, top, right, bottom)
    focal_x = float(page.locator("#id_focal_x").input_value())
    focal_y = float(page.locator("#id_focal_y").input_value())
    assert abs(focal_x - (left + right) / 2 / 720) < 0.001
    assert abs(focal_y - (top + bottom) / 2 / 480) < 0.001
    crop_box = page.locator(".crop-box")
    expect(crop_box).to_be_visible()
    drawn = crop_box.bounding_box()
    assert abs(drawn["x"] - (box["x"] + box["width"] * 0.6)) < 3
    assert abs(drawn["width"] - box["width"] * 0.3) < 3
    dimmed = crop_box.evaluate("element => getComputedStyle(element).boxShadow")
    assert "rgba(0, 0, 0" in dimmed
    size_text = f"Crop: {right - left} × {bottom - top} px"
    expect(page.locator(".crop-size")).to_have_text(size_text)
    expect(remove).to_be_visible()

    save_and_continue(page, 2)
    # The crop is shown again on the saved page.
    expect(page.locator(".crop-size")).to_have_text(size_text)
    expect(crop_box).to_be_visible()
    assert crop_inputs(page) == [str(value) for value in (left, top, right, bottom)]
    stored = stored_picture(site_env, picture_id)
    assert stored["crop"] == [left, top, right, bottom]
    assert stored["rendition_versions"] == "[2]"
    width, height = stored["largest"]
    assert abs(width / height - (right - left) / (bottom - top)) < 0.02
    assert stored["red_pixels"] == 0

    # A plain click inside the crop moves only the focal point.
    image, box = shown_picture(page)
    image.click(position={"x": box["width"] * 0.7, "y": box["height"] * 0.3})
    assert crop_inputs(page) == [str(value) for value in (left, top, right, bottom)]
    assert abs(float(page.locator("#id_focal_x").input_value()) - 0.7) < 0.01
    save_and_continue(page, 3)
    stored = stored_picture(site_env, picture_id)
    assert stored["crop"] == [left, top, right, bottom]
    assert abs(stored["focal"][0] - 0.7) < 0.01 and abs(stored["focal"][1] - 0.3) < 0.01

    # The keyboard reaches "Remove crop" from the picker.
    page.locator("[data-focal-picker]").focus()
    page.keyboard.press("Tab")
    expect(remove).to_be_focused()
    page.keyboard.press("Enter")
    expect(crop_box).to_be_hidden()
    expect(remove).to_be_hidden()
    expect(page.locator(".crop-size")).to_have_text("No crop: the whole picture is used.")
    assert crop_inputs(page) == ["", "", "", ""]
    save_and_continue(page, 4)
    stored = stored_picture(site_env, picture_id)
    assert stored["crop"] == [None, None, None, None]
    assert abs(stored["focal"][0] - 0.7) < 0.01  # the point stays where it was
    assert stored["largest"][0] / stored["largest"][1] == pytest.approx(1.5, abs=0.01)
    assert stored["red_pixels"] > 0
    assert problems == []
