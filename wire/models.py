"""Where partner and wire copy comes from, on what terms, and how it reached us.

``Source``: an organisation whose stories we carry (kstp.com, an agency), its licence
terms and default rights window, and whether its stories point search engines to the
original. ``Feed``: one of its RSS/Atom feeds and how the last polls went.
``Provenance``: a story's origin — its source, the partner's URL and GUID for it, the
partner's latest version as received. ``IncomingStory``: the editors' queue of
partner copy not yet published (or changed by the partner since).

``articles`` knows nothing of this app; it shows what ``wire.attribution`` gives it.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from articles.querysets import ArticleQuerySet


def host_of(url: str) -> str:
    """The host a URL names, without "www.": how sources are recognised."""
    host = (urlsplit(url).hostname or "") if "//" in url else url.split("/")[0]
    return host.lower().removeprefix("www.").rstrip(".")


class SourceQuerySet(models.QuerySet):
    def for_host(self, host: str):
        """The source whose site is ``host`` (or a parent domain of it)."""
        host = host_of(host)
        candidates = {host}
        parts = host.split(".")
        candidates.update(".".join(parts[i:]) for i in range(1, len(parts) - 1))
        return self.filter(domain__in=candidates).order_by("-domain").first()


class Source(models.Model):
    name = models.CharField(
        _("organisation"),
        max_length=200,
        unique=True,
        help_text=_('As readers see it: "Original Source: kstp.com".'),
    )
    site_url = models.URLField(_("site URL"), max_length=500, blank=True)
    domain = models.CharField(
        _("domain"),
        max_length=253,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_("The site's host, taken from its URL: how imported copy finds its source."),
    )
    licence = models.TextField(
        _("licence terms"),
        blank=True,
        help_text=_("What the agreement allows: where, how long, with what credit."),
    )
    rights_days = models.PositiveIntegerField(
        _("rights window (days)"),
        null=True,
        blank=True,
        help_text=_(
            "How long its stories may stay on the site, counted from the partner's "
            "publication (or from when the story reached us). Empty: no limit."
        ),
    )
    canonical_to_original = models.BooleanField(
        _("canonical link to the original"),
        default=False,
        help_text=_(
            "Search engines are pointed to the partner's page for its stories (a "
            "cross-domain canonical link), when the original's URL is known."
        ),
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.domain = host_of(self.site_url) if self.site_url else ""
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("admin:wire_source_change", args=[self.pk])

    def rights_end(self, start):
        """When a story of this source first shown at ``start`` must leave the site."""
        if self.rights_days is None or start is None:
            return None
        return start + timedelta(days=self.rights_days)


class Feed(models.Model):
    class Outcome(models.TextChoices):
        OK = "ok", _("read")
        NOT_MODIFIED = "not_modified", _("unchanged (304)")
        FAILED = "failed", _("failed")

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="feeds")
    url = models.URLField(_("feed URL"), max_length=1000, unique=True)
    active = models.BooleanField(_("polled"), default=True)
    # What the server said last time, for a conditional GET.
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    checked_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    succeeded_at = models.DateTimeField(_("last read"), null=True, blank=True, editable=False)
    outcome = models.CharField(
        _("last outcome"), max_length=20, choices=Outcome, blank=True, editable=False
    )
    error = models.TextField(_("last error"), blank=True, editable=False)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0, editable=False)
    summary = models.CharField(_("last poll"), max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["source__name", "url"]
        verbose_name = _("feed")
        verbose_name_plural = _("feeds")

    def __str__(self):
        return self.url


class Provenance(models.Model):
    """Where a story came from. One per story at most; stories of our own have none."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, related_name="provenance", primary_key=True
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="stories", verbose_name=_("source")
    )
    original_url = models.URLField(
        _("original URL"),
        max_length=1000,
        blank=True,
        help_text=_("The partner's page for this story: the attribution links to it."),
    )
    guid = models.CharField(_("partner's ID"), max_length=500, blank=True)
    feed = models.ForeignKey(Feed, on_delete=models.SET_NULL, null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    partner_published_at = models.DateTimeField(
        _("published by the partner"), null=True, blank=True
    )
    partner_updated_at = models.DateTimeField(
        _("last changed by the partner"), null=True, blank=True
    )
    # The partner's latest version as received ({"headline", "summary", "body"}), and the
    # one before it: what "the partner changed it" shows.
    partner_copy = models.JSONField(default=dict, blank=True, editable=False)
    previous_partner_copy = models.JSONField(default=dict, blank=True, editable=False)
    # Set when the partner changed a story we had already published (it is not
    # overwritten); cleared when an editor has seen the change.
    partner_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("provenance")
        verbose_name_plural = _("provenance")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "guid"], condition=~Q(guid=""), name="provenance_guid_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["partner_changed_at"],
                condition=Q(partner_changed_at__isnull=False),
                name="provenance_partner_changed",
            )
        ]

    def __str__(self):
        return f"{self.article} ← {self.source}"

    def clean(self):
        if self.original_url and self.source_id and self.source.domain:
            host = host_of(self.original_url)
            if host != self.source.domain and not host.endswith("." + self.source.domain):
                raise ValidationError(
                    {
                        "original_url": _(
                            "This address is not on %(domain)s, the site of %(source)s."
                        )
                        % {"domain": self.source.domain, "source": self.source}
                    },
                    code="original_url_elsewhere",
                )

    @property
    def canonical_url(self) -> str:
        return self.original_url if self.source.canonical_to_original else ""


class IncomingQuerySet(ArticleQuerySet):
    def incoming(self):
        """Partner copy for editors to look at: received and not yet published, or
        published and changed by the partner since."""
        return self.filter(
            Q(provenance__received_at__isnull=False)
            & (
                Q(status__in=[Article.Status.DRAFT, Article.Status.REVIEW])
                | Q(provenance__partner_changed_at__isnull=False)
            )
        )


class IncomingStory(Article):
    """The "Incoming" queue: the story admin's rows, seen from the wire desk."""

    objects = IncomingQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = _("incoming story")
        verbose_name_plural = _("incoming")
