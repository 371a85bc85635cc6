from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import ScoringSettings, TrainedModel


@admin.register(ScoringSettings)
class ScoringSettingsAdmin(admin.ModelAdmin):
    """One row to edit: the list goes straight to it."""

    fieldsets = [
        (_("Hold for a moderator"), {"fields": ["hold_abuse_above", "hold_spam_above"]}),
        (
            _("Refuse"),
            {"fields": ["reject_abuse_above", "spam_above", "reject_by_score"]},
        ),
    ]

    def changelist_view(self, request, extra_context=None):
        if ScoringSettings.objects.filter(pk=ScoringSettings.SINGLETON_PK).exists():
            return HttpResponseRedirect(
                reverse("admin:scoring_scoringsettings_change", args=[ScoringSettings.SINGLETON_PK])
            )
        return HttpResponseRedirect(reverse("admin:scoring_scoringsettings_add"))

    def has_add_permission(self, request):
        return (
            super().has_add_permission(request)
            and not ScoringSettings.objects.filter(pk=ScoringSettings.SINGLETON_PK).exists()
        )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrainedModel)
class TrainedModelAdmin(admin.ModelAdmin):
    """Read-only: models come from train_comment_model, never from an upload."""

    list_display = ["__str__", "kind", "created_at", "decisions", "precision", "recall"]
    list_filter = ["kind"]
    date_hierarchy = "created_at"
    fields = ["kind", "created_at", "decisions", "metrics"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("blob")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("precision (held out)"))
    def precision(self, obj):
        return _share(obj.metrics.get("held_out") or {}, "precision")

    @admin.display(description=_("recall (held out)"))
    def recall(self, obj):
        return _share(obj.metrics.get("held_out") or {}, "recall")


def _share(metrics, key):
    value = metrics.get(key)
    return "—" if value is None else f"{value:.0%}"
