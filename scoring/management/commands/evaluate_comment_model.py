from django.core.management.base import BaseCommand, CommandError

from scoring import training
from scoring.models import Kind, ScoringSettings

from ._data import site_decisions

HOW_TO_READ = (
    "How to read it: precision is the share of the comments a model flags that moderators "
    "also refused (low: good comments wait for nothing); recall is the share of the comments "
    "moderators refused that the model flags (low: bad comments get through). A comment "
    "counts as flagged above the “hold for review” threshold of the scoring settings."
)


class Command(BaseCommand):
    help = (
        "Precision and recall of the baseline and the site model, for abuse and spam, on a "
        "held-out quarter of the site's moderator decisions."
    )

    def handle(self, *args, **options):
        texts, labels = training.clean_pairs(site_decisions())
        try:
            training.check_enough(labels)
        except training.NotEnoughDecisions as refusal:
            raise CommandError(str(refusal)) from refusal
        settings = ScoringSettings.load()
        thresholds = {Kind.ABUSE: settings.hold_abuse_above, Kind.SPAM: settings.hold_spam_above}
        results = training.measure(texts, labels, thresholds=thresholds, with_baseline=True)
        held_out = next(iter(results.values()))["baseline"]["total"]
        self.stdout.write(
            f"Held out: {held_out} of {len(labels)} decisions ({training.HELD_OUT:.0%}, "
            f"stratified, seed {training.SEED}); the site model is trained on the rest."
        )
        self.stdout.write("")
        header = ("kind", "model", "threshold", "precision", "recall", "flagged", "refused")
        rows = [header]
        for kind, by_model in results.items():
            for model in ("baseline", "site"):
                m = by_model[model]
                if m is None:
                    rows.append((kind, model, "", "too few decisions", "", "", ""))
                    continue
                rows.append(
                    (
                        kind,
                        model,
                        f"{m['threshold']:.2f}",
                        _share(m["precision"]),
                        _share(m["recall"]),
                        str(m["flagged"]),
                        str(m["positives"]),
                    )
                )
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
        self.stdout.write("")
        self.stdout.write(HOW_TO_READ)


def _share(value):
    return "—" if value is None else f"{value:.0%}"
