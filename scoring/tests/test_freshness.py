"""Every process picks up the newest model, wherever it was trained, within a minute,
and scores without touching the database in between."""

import logging
import pickle
from pathlib import Path

import pytest

from scoring.models import TrainedModel
from scoring.scorer import score

pytestmark = pytest.mark.django_db

T0 = "2026-11-20 09:00:00Z"
INSULT = "the harbour board is run by clowns and vermin, and you are the biggest clown"


def stored(blob, *, decisions, created_at=T0):
    """A model row written directly, as train_comment_model on another host would."""
    return TrainedModel.objects.create(
        kind="abuse", decisions=decisions, created_at=created_at, blob=blob
    )


def test_a_model_trained_elsewhere_takes_over_within_a_minute(abuse_blob, time_machine):
    time_machine.move_to(T0, tick=False)
    assert score(INSULT).abuse_model == "baseline"

    stored(abuse_blob, decisions=450)
    time_machine.shift(30)
    assert score(INSULT).abuse_model == "baseline"  # checked less than a minute ago

    time_machine.shift(31)
    assert score(INSULT).abuse_model == "site model trained 2026-11-20 on 450 decisions"

    stored(abuse_blob, decisions=451, created_at="2026-11-21 09:00:00Z")
    time_machine.shift(61)
    assert score(INSULT).abuse_model == "site model trained 2026-11-21 on 451 decisions"

    TrainedModel.objects.all().delete()
    time_machine.shift(61)
    assert score(INSULT).abuse_model == "baseline"


def test_scoring_with_a_loaded_model_makes_no_query(
    abuse_blob, time_machine, django_assert_num_queries
):
    time_machine.move_to(T0, tick=False)
    stored(abuse_blob, decisions=450)
    assert score(INSULT).abuse > 0.8  # loads it

    time_machine.shift(59)
    with django_assert_num_queries(0):
        for text in [INSULT, "A fair report.", "Buy now at www.example.com"]:
            score(text, name="Reader", email="reader@example.com")

    # After a minute: one query for the newest ids; nothing new to load.
    time_machine.shift(2)
    with django_assert_num_queries(1):
        score(INSULT)


def test_a_model_that_cannot_load_leaves_the_baseline_scoring(time_machine, caplog):
    time_machine.move_to(T0, tick=False)
    stored(b"not a pickle", decisions=450)

    with caplog.at_level(logging.ERROR, logger="scoring.scorer"):
        scores = score(INSULT)

    assert scores.abuse_model == "baseline"
    assert "Could not load abuse model" in caplog.text


class Trap:
    """Unpickling this creates a file: the proof that something was unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def test_an_old_pickled_model_is_ignored_without_being_unpickled(tmp_path, time_machine, caplog):
    """Rows from before models were stored as arrays were pickles; loading one could run
    any code, so it is refused unread and the baseline scores."""
    time_machine.move_to(T0, tick=False)
    touched = tmp_path / "unpickled"
    stored(pickle.dumps(Trap(touched)), decisions=450)

    with caplog.at_level(logging.ERROR, logger="scoring.scorer"):
        scores = score(INSULT)

    assert scores.abuse_model == "baseline"
    assert "Could not load abuse model" in caplog.text
    assert "not a numpy model" in caplog.text
    assert not touched.exists()
