from django.core.management.base import BaseCommand, CommandError

from scoring import scorer, training

from ._data import site_decisions


class Command(BaseCommand):
    help = (
        "Train the site's abuse and spam models on moderators' decisions "
        "(settings.SCORING_TRAINING_DATA); they take over from the baselines."
    )

    def handle(self, *args, **options):
        try:
            result = training.train(site_decisions())
        except training.NotEnoughDecisions as refusal:
            raise CommandError(str(refusal)) from refusal
        scorer.reload()
        for row in result.models:
            held_out = row.metrics["held_out"]
            self.stdout.write(
                f"{row.kind}: {row.label}; on a held-out quarter at 0.5: "
                f"precision {_share(held_out and held_out['precision'])}, "
                f"recall {_share(held_out and held_out['recall'])}"
            )
        for kind, why in result.skipped.items():
            self.stdout.write(f"{kind}: not trained, {why}")
        self.stdout.write("Every process picks the new models up within a minute.")


def _share(value):
    return "—" if value is None else f"{value:.0%}"
