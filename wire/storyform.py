"""The "Original source" part of the story form (``articles.admin.extensions``)."""

from django import forms
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles.admin.extensions import FormExtension
from articles.models import Article

from .models import Provenance, Source


def provenance_of(article):
    try:
        return article.provenance
    except ObjectDoesNotExist:
        return None


class PartnerChanges(forms.Widget):
    """What the partner changed since the story arrived (shown, never posted)."""

    def render(self, name, value, attrs=None, renderer=None):
        from .admin import partner_changes_html

        if not isinstance(value, Provenance):
            return format_html('<div class="readonly">{}</div>', "—")
        return format_html('<div class="readonly">{}</div>', partner_changes_html(value))

    def value_from_datadict(self, data, files, name):
        return None


class SourceFields(FormExtension):
    title = _("Original source")

    def fields(self):
        return {
            "source": forms.ModelChoiceField(
                Source.objects.all(),
                required=False,
                label=_("Source"),
                empty_label=_("— our own story —"),
                help_text=_(
                    "The partner or agency whose story this is: readers see “Original "
                    "Source: …” and the story keeps to its rights window."
                ),
            ),
            "original_url": forms.URLField(
                required=False,
                max_length=1000,
                assume_scheme="https",
                label=_("Original story's URL"),
                widget=forms.URLInput(attrs={"class": "vURLField"}),
                help_text=_("The partner's page for it: the attribution links there."),
            ),
            "partner_changes": forms.Field(
                disabled=True,
                required=False,
                label=_("Partner's changes"),
                widget=PartnerChanges,
            ),
        }

    def initial(self, article):
        provenance = provenance_of(article)
        if provenance is None:
            return {}
        return {
            "source": provenance.source_id,
            "original_url": provenance.original_url,
            "partner_changes": provenance,
        }

    def describe(self, article):
        provenance = provenance_of(article)
        if provenance is None:
            return _("Our own story")
        if provenance.original_url:
            return format_html(
                '{} — <a href="{}">{}</a>',
                provenance.source,
                provenance.original_url,
                provenance.original_url,
            )
        return str(provenance.source)

    def clean(self, form, cleaned):
        source, url = cleaned.get("source"), cleaned.get("original_url")
        provenance = provenance_of(form.instance) if form.instance.pk else None
        if url and source is None and "source" not in form.errors:
            form.add_error("source", _("Choose the source the original story's URL belongs to."))
        if source is None and provenance is not None and provenance.received_at:
            form.add_error(
                "source",
                _(
                    "This story came in from %(source)s: it keeps its source (without it, "
                    "the partner's next update would arrive as a new story)."
                )
                % {"source": provenance.source},
            )
        if source is not None and url:
            probe = Provenance(source=source, original_url=url)
            try:
                probe.clean()
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field, errors)

    def save(self, article, form, *, by):
        source = form.cleaned_data.get("source")
        url = form.cleaned_data.get("original_url") or ""
        provenance = provenance_of(article)
        if source is None:
            if provenance is not None and not provenance.received_at:
                provenance.delete()
            return
        if provenance is None:
            Provenance.objects.create(article=article, source=source, original_url=url)
            apply_rights_window(article, source)
        elif (provenance.source_id, provenance.original_url) != (source.pk, url):
            provenance.source, provenance.original_url = source, url
            provenance.save(update_fields=["source", "original_url"])


def apply_rights_window(article, source):
    """A source chosen for a story brings its rights window, if the story has no end
    yet: counted from the story's first publication, or from now. Part of the story's
    own save (its one revision records the new end)."""
    if article.expire_at is not None or source.rights_days is None:
        return
    article.expire_at = source.rights_end(article.first_published_at or timezone.now())
    Article.objects.filter(pk=article.pk).update(expire_at=article.expire_at)
