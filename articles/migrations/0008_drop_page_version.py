"""The page version row is no longer read: pages are kept under the keys of what they show
(pagecache/). Expand/contract (README, "Releasing with several hosts"): hosts still running the
previous release read ``articles_pageversion`` on every request while this one rolls out, so
the model leaves now and the table stays; a later release drops it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_scale_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PageVersion")],
            database_operations=[],
        ),
    ]
