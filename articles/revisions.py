"""What a revision of a story keeps, and what of it readers see."""

REVISION_FIELDS = [
    "headline",
    "slug",
    "summary",
    "body",
]
# What readers see of a story: a change to any of these on a live story is one they
# may need to be told about (the kind-of-change question).
READER_FIELDS = [*REVISION_FIELDS, "lead_picture", "section", "tags", "byline"]


def snapshot(article) -> dict:
    """What a revision keeps: the words, the filing and the state."""
    data = {field: getattr(article, field) for field in REVISION_FIELDS}
    data["lead_picture"] = str(article.lead_picture) if article.lead_picture_id else ""
    data["lead_picture_id"] = article.lead_picture_id
    data["section"] = article.section.name if article.section_id else ""
    data["section_id"] = article.section_id
    data["tags"] = sorted(tag.name for tag in article.tags.all())
    data["byline"] = [b.contributor.name for b in article.bylines.select_related("contributor")]
    data["byline_ids"] = [b.contributor_id for b in article.bylines.all()]
    data["status"] = article.status
    for field in ("publish_at", "expire_at", "embargo_until"):
        value = getattr(article, field)
        data[field] = value.isoformat() if value else None
    return data
