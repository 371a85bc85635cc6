from wire.models import Provenance, Source


def make_source(name="kstp.com", site_url="https://kstp.com/", **fields):
    return Source.objects.create(name=name, site_url=site_url, **fields)


def attach_source(article, source=None, *, original_url="", **fields):
    """Credit ``article`` to a source (made as ``make_source`` when not given)."""
    source = source or make_source()
    return Provenance.objects.create(
        article=article, source=source, original_url=original_url, **fields
    )
