"""Site models trained on the site's own decisions take over from the baselines."""

import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from scoring import linear, training
from scoring.models import TrainedModel
from scoring.scorer import score
from scoring.tests import synthetic

pytestmark = pytest.mark.django_db

INSULT = "the harbour board is run by clowns and vermin, and you are the biggest clown"
ADVERT = "Replica handbags at wholesale prices, visit our outlet store today"


def f1(m):
    if not m["precision"] or not m["recall"]:
        return 0.0
    return 2 * m["precision"] * m["recall"] / (m["precision"] + m["recall"])


def test_trained_models_take_over_and_name_themselves(settings, capsys, time_machine):
    time_machine.move_to("2026-11-20 09:00:00Z", tick=False)
    settings.SCORING_TRAINING_DATA = "scoring.tests.synthetic.decisions"
    before = score(INSULT)
    advert_before = score(ADVERT)

    call_command("train_comment_model")

    after = score(INSULT)
    advert_after = score(ADVERT)
    label = "site model trained 2026-11-20 on 450 decisions"
    assert (after.abuse_model, after.spam_model) == (label, label)
    # The baseline knows swear words; the site's moderators also refuse insults without them.
    assert before.abuse < 0.8 < after.abuse
    assert "clown" in [word for word, _w in after.abuse_reasons]
    assert advert_before.spam < 0.8 < advert_after.spam
    assert {"replica", "wholesale"} & {word for word, _w in advert_after.spam_reasons}
    assert score("Thanks for covering the school budget, very clear reporting").abuse < 0.2
    out = capsys.readouterr().out
    assert f"abuse: {label}; on a held-out quarter at 0.5: precision" in out
    assert TrainedModel.objects.filter(decisions=450).count() == 2


def test_site_model_beats_the_baseline_on_held_out_decisions(site_data):
    texts, labels = training.clean_pairs(site_data)

    results = training.measure(
        texts, labels, thresholds={"abuse": 0.8, "spam": 0.8}, with_baseline=True
    )

    for kind in ("abuse", "spam"):
        assert f1(results[kind]["site"]) > f1(results[kind]["baseline"]) + 0.2, kind
        assert results[kind]["site"]["precision"] >= 0.9, kind


def test_too_few_decisions_are_refused_with_the_counts(settings):
    settings.SCORING_TRAINING_DATA = "scoring.tests.synthetic.few_decisions"

    with pytest.raises(CommandError) as refused:
        call_command("train_comment_model")

    message = str(refused.value)
    assert message.startswith("Not enough moderator decisions to train a site model: 60 decisions")
    assert "(20 approved, 20 rejected, 20 spam)" in message
    assert "at least 200, with at least 30 rejected" in message
    assert not TrainedModel.objects.exists()
    assert score(INSULT).abuse_model == "baseline"


def test_a_kind_without_enough_decisions_keeps_its_baseline(site_data):
    little_spam = [p for p in site_data if p[1] != "spam"] + synthetic.few_decisions()[:10]
    spam_count = sum(label == "spam" for _t, label in little_spam)

    result = training.train(little_spam)

    assert [row.kind for row in result.models] == ["abuse"]
    assert result.skipped["spam"] == f"too few spam decisions ({spam_count}); baseline kept"
    scores = score(INSULT)
    assert scores.abuse_model.startswith("site model trained")
    assert scores.spam_model == "baseline"


def test_only_the_newest_models_are_kept(site_data):
    for _ in range(training.KEEP + 1):
        training.train(site_data[:300])

    assert TrainedModel.objects.filter(kind="abuse").count() == training.KEEP


def test_site_model_scores_as_its_pipeline_does(site_data):
    """Stored as arrays and read back without scikit-learn, a model gives its pipeline's
    probabilities."""
    texts, labels = training.clean_pairs(site_data)
    pipeline = training.build_pipeline().fit(texts, [label == "spam" for label in labels])
    model = training.site_model(pipeline, label="test")

    for text in [ADVERT, INSULT, "Good piece.", "", "ünïcödé wörds 123", "a\x00b  c\n\nd"]:
        assert model.score(text)[0] == pytest.approx(pipeline.predict_proba([text])[0, 1])


def test_stored_models_are_arrays_read_without_unpickling(site_data):
    """What train_comment_model stores is an npz that numpy reads with pickles refused."""
    [abuse, spam] = training.train(site_data).models

    blob = bytes(TrainedModel.objects.get(pk=abuse.pk).blob)
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
        assert {"coef", "intercept", "words.idf", "chars.idf"} <= set(npz.files)
        assert all(npz[name].dtype != object for name in npz.files)
    assert abuse.metrics["format"] == spam.metrics["format"] == linear.FORMAT
