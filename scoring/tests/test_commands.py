"""evaluate_comment_model: a readable table of precision and recall on held-out decisions."""

import pytest
from django.core.management import CommandError, call_command

from scoring.models import ScoringSettings

pytestmark = pytest.mark.django_db


def test_evaluation_prints_both_models_for_both_kinds(settings, capsys):
    settings.SCORING_TRAINING_DATA = "scoring.tests.synthetic.decisions"
    ScoringSettings(hold_abuse_above=0.7, hold_spam_above=0.6).save()

    call_command("evaluate_comment_model")

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "Held out: 113 of 450 decisions (25%, stratified, seed 2026); "
        "the site model is trained on the rest."
    )
    table = [line.split() for line in lines[2:7]]
    assert table[0] == ["kind", "model", "threshold", "precision", "recall", "flagged", "refused"]
    assert [row[:3] for row in table[1:]] == [
        ["abuse", "baseline", "0.70"],
        ["abuse", "site", "0.70"],
        ["spam", "baseline", "0.60"],
        ["spam", "site", "0.60"],
    ]
    # The site's own model finds nearly all of its refused comments; the baseline spam
    # features know none of these adverts.
    assert table[2][3:5] == ["100%", "100%"]
    assert table[3][3:6] == ["—", "0%", "0"]
    assert all(row[-1] in ("38", "37") for row in table[1:])
    assert lines[-1].startswith("How to read it: precision is the share of the comments")


def test_evaluation_refuses_too_few_decisions(settings):
    settings.SCORING_TRAINING_DATA = "scoring.tests.synthetic.few_decisions"

    with pytest.raises(CommandError, match="Not enough moderator decisions"):
        call_command("evaluate_comment_model")


def test_commands_say_what_is_missing_without_the_setting(settings):
    del settings.SCORING_TRAINING_DATA

    with pytest.raises(CommandError, match="Set SCORING_TRAINING_DATA"):
        call_command("train_comment_model")
