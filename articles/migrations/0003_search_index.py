"""A GIN index for full-text search of stories, on PostgreSQL only.

The indexed expression is ``articles.search.SEARCH_VECTOR_SQL`` — the weighted
vector Django writes for ``articles.search.search_vector()`` — copied here because a
migration must not change when the code does. On SQLite nothing happens. No model
state changes, so ``makemigrations`` has nothing to add.
"""

from django.db import migrations

INDEX_NAME = "article_search_idx"

CREATE_INDEX = f"""
CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON articles_article USING GIN ((
    setweight(to_tsvector('english'::regconfig, COALESCE(headline, '')), 'A') ||
    setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')), 'B') ||
    setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'C')
))
"""

DROP_INDEX = f"DROP INDEX IF EXISTS {INDEX_NAME}"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_workflow"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
