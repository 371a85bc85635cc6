"""Stories' free-text sources ("Original Source: kstp.com") become Source rows.

Runs before articles drops the two free-text fields. Each distinct name becomes one
source (its site: the scheme and host of the first URL typed with it); the URL typed on
a story is kept as that story's original URL, exactly (so nothing typed is lost and
pages link where they linked). Reversible: the fields are filled back from the rows
this made, which are then removed, so it can run forward again.
"""

from urllib.parse import urlsplit

from django.db import migrations


def _host(url):
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def forwards(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Source = apps.get_model("wire", "Source")
    Provenance = apps.get_model("wire", "Provenance")
    sources = {}
    stories = (
        Article.objects.exclude(source_name="", source_url="")
        .order_by("pk")
        .values_list("pk", "source_name", "source_url")
    )
    for pk, name, url in stories.iterator():
        name = (name or "").strip() or _host(url)
        if not name:
            continue
        if Provenance.objects.filter(article_id=pk).exists():
            continue
        source = sources.get(name.lower())
        if source is None:
            source = Source.objects.filter(name__iexact=name).first()
        if source is None:
            site = ""
            if url:
                parts = urlsplit(url)
                site = f"{parts.scheme}://{parts.netloc}/"
            source = Source.objects.create(name=name[:200], site_url=site, domain=_host(site))
        sources[name.lower()] = source
        Provenance.objects.create(article_id=pk, source=source, original_url=url)


def backwards(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Provenance = apps.get_model("wire", "Provenance")
    Source = apps.get_model("wire", "Source")
    for provenance in Provenance.objects.select_related("source").iterator():
        Article.objects.filter(pk=provenance.article_id).update(
            source_name=provenance.source.name, source_url=provenance.original_url
        )
    # What forwards made: credits typed by hand (no feed brought them), and the sources
    # left with no story and no feed.
    Provenance.objects.filter(received_at__isnull=True, guid="").delete()
    Source.objects.filter(stories__isnull=True, feeds__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("wire", "0001_initial")]
    run_before = [("articles", "0014_sources_moved_to_wire")]

    operations = [migrations.RunPython(forwards, backwards)]
