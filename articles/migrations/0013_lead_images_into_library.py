"""Every story's lead image into the picture library, as its lead picture.

The picture's original is a copy of the stored lead image, byte for byte, made
through the storage API (disk or bucket alike) under the library's own names; the
story's alt text, caption and credit become the picture's, its headline the
picture's title. The same file used by several stories becomes one picture. The old
fields are left as they are: a later release drops them (expand, then contract).

Renditions are made here when ``images.renditions`` can make them; if not (or if it
fails), the pictures are left without and ``manage.py rebuild_renditions`` makes
them. A lead image whose file is missing from storage is reported and skipped: the
story keeps its old fields and has no lead picture.
"""

import hashlib
import logging
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.db import migrations, transaction

logger = logging.getLogger("articles.migrations")


def _dimensions(data):
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as picture:
        return picture.size


def lead_images_into_library(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Picture = apps.get_model("images", "Picture")
    storage = Picture._meta.get_field("file").storage
    made = []
    stories = Article.objects.exclude(lead_image="").filter(lead_picture__isnull=True)
    for story in stories.order_by("pk").iterator():
        name = story.lead_image.name
        try:
            with story.lead_image.storage.open(name, "rb") as stored:
                data = stored.read()
        except (FileNotFoundError, OSError):
            logger.warning("Story %s: lead image %s is not in storage; skipped", story.pk, name)
            continue
        digest = hashlib.sha256(data).hexdigest()
        picture = Picture.objects.filter(sha256=digest).order_by("pk").first()
        if picture is None:
            width, height = story.lead_image_width, story.lead_image_height
            if not (width and height):
                width, height = _dimensions(data)
            # The library's upload_to names originals pictures/originals/<name>; historical
            # models carry no callables, so the name is given here.
            saved = storage.save(
                f"pictures/originals/{PurePosixPath(name).name}", ContentFile(data)
            )
            picture = Picture.objects.create(
                file=saved,
                width=width,
                height=height,
                title=story.headline[:200],
                alt_text=story.lead_image_alt or story.headline[:300],
                caption=story.lead_image_caption,
                credit=story.lead_image_credit,
                sha256=digest,
            )
            made.append(picture.pk)
        # update(): neither the story's version nor its revisions change; nothing
        # readers see changes either.
        Article.objects.filter(pk=story.pk).update(lead_picture=picture)
    if made:
        transaction.on_commit(lambda: _make_renditions(made), using=schema_editor.connection.alias)


def _make_renditions(pks):
    """After the migration's transaction: renditions of the new pictures, best effort.

    Uses today's ``images`` code and models, which may be ahead of the database while
    later migrations are still to run: any failure leaves the work to the command.
    """
    try:
        from images import renditions
        from images.models import Picture

        for picture in Picture.objects.filter(pk__in=pks):
            renditions.ensure(picture)
    except Exception:  # noqa: BLE001 - rebuild_renditions makes what is missing later
        logger.warning(
            "Run manage.py rebuild_renditions: renditions of %d migrated pictures are missing",
            len(pks),
            exc_info=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0012_lead_picture"),
        ("images", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(lead_images_into_library, migrations.RunPython.noop, elidable=True),
    ]
