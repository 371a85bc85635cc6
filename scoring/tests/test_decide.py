"""What the scores do to a comment: held for review above the thresholds; refused by
score alone only when the site switched that on."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles.tests.factories import make_user
from scoring.models import ScoringSettings
from scoring.scorer import Scores, decide

pytestmark = pytest.mark.django_db


def scores(abuse=0.05, spam=0.05):
    return Scores(
        abuse=abuse,
        spam=spam,
        abuse_reasons=[("idiot", 4.12), ("moron", 3.02)],
        spam_reasons=[("2 links", 2.6), ("“buy now”", 1.6)],
        abuse_model="baseline",
        spam_model="baseline",
    )


def test_low_scores_ask_for_nothing():
    assert decide(scores(abuse=0.8, spam=0.8), ScoringSettings.load()) == []


def test_a_high_abuse_score_holds_the_comment_with_its_reasons():
    [decision] = decide(scores(abuse=0.91), ScoringSettings.load())

    assert decision.code == "abuse_score"
    assert decision.verdict == "pending"
    assert decision.text == "abuse score 0.91 above 0.80 (idiot, moron): held for review"
    assert decision.as_reason() == {
        "code": "abuse_score",
        "verdict": "pending",
        "text": decision.text,
    }


def test_nothing_is_refused_by_score_alone_by_default():
    decisions = decide(scores(abuse=0.999, spam=0.999), ScoringSettings.load())

    assert [d.verdict for d in decisions] == ["pending", "pending"]
    assert decisions[0].text == (
        "abuse score 1.00 above 0.97 (idiot, moron): looks abusive, held for review"
    )
    assert decisions[1].text == (
        "spam score 1.00 above 0.97 (2 links, “buy now”): looks like spam, held for review"
    )


def test_with_the_flag_on_the_highest_scores_are_refused():
    site = ScoringSettings(reject_by_score=True)
    site.save()

    decisions = decide(scores(abuse=0.98, spam=0.99), ScoringSettings.load())

    assert [(d.code, d.verdict) for d in decisions] == [
        ("abuse_score", "rejected"),
        ("spam_score", "spam"),
    ]
    assert decisions[1].text.endswith(": refused by score alone")
    # Between the two thresholds a person still decides.
    assert [d.verdict for d in decide(scores(spam=0.9), site)] == ["pending"]


def test_thresholds_come_from_the_saved_settings():
    ScoringSettings(hold_spam_above=0.5).save()

    [decision] = decide(scores(spam=0.6))

    assert decision.text == "spam score 0.60 above 0.50 (2 links, “buy now”): held for review"


def test_refusing_below_holding_is_not_allowed():
    with pytest.raises(ValidationError) as invalid:
        ScoringSettings(hold_abuse_above=0.9, reject_abuse_above=0.5).full_clean()

    assert "cannot be lower than" in str(invalid.value)


def test_moderators_edit_the_thresholds_in_the_admin(client):
    client.force_login(make_user(is_superuser=True))

    response = client.get(reverse("admin:scoring_scoringsettings_changelist"))
    assert response.url == reverse("admin:scoring_scoringsettings_add")

    client.post(
        response.url,
        {
            "hold_abuse_above": "0.6",
            "hold_spam_above": "0.7",
            "reject_abuse_above": "0.95",
            "spam_above": "0.99",
        },
    )

    saved = ScoringSettings.load()
    assert (saved.hold_abuse_above, saved.reject_by_score) == (0.6, False)
    response = client.get(reverse("admin:scoring_scoringsettings_changelist"))
    assert response.url == reverse("admin:scoring_scoringsettings_change", args=[1])
