"""The baselines: scores and explanations before the site has a model of its own."""

import json

import profanity_check
import pytest

from scoring.scorer import score

pytestmark = pytest.mark.django_db


def labels(reasons):
    return [label for label, _weight in reasons]


def test_abusive_comment_scores_high_and_names_its_words():
    scores = score("You are an idiot and a moron, nobody wants you here.")

    assert scores.abuse > 0.9
    assert {"idiot", "moron"} <= set(labels(scores.abuse_reasons))
    assert scores.abuse_model == "baseline"
    # Weights say how much each word pushed, largest first.
    weights = [weight for _label, weight in scores.abuse_reasons]
    assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)


def test_polite_comment_scores_low_with_nothing_to_explain():
    scores = score(
        "Thank you for this careful report on the library budget; I learnt a lot.",
        name="Ada Reader",
        email="ada@example.com",
    )

    assert scores.abuse < 0.2
    assert scores.spam < 0.1
    assert scores.spam_reasons == []


def test_spam_scores_high_and_names_links_and_phrases():
    scores = score(
        "BUY NOW!!!!! Cheap watches at https://watches.example.com and www.deals.example.net "
        "or call +1 555 123 4567",
        name="Cheap Watches",
    )

    assert scores.spam > 0.95
    found = labels(scores.spam_reasons)
    assert "2 links" in found
    assert "“buy now”" in found
    assert "phone number" in found or "advert or link in the name or email" in found
    assert scores.spam_model == "baseline"


def test_links_counted_by_the_caller_are_used():
    assert "3 links" in labels(score("Have a look at these", links=3).spam_reasons)


def test_shouting_and_crypto_are_named():
    scores = score("INVEST IN BITCOIN TODAY AND DOUBLE YOUR MONEY, $500 PER DAY")

    assert {"ALL CAPS", "crypto", "money amounts"} <= set(labels(scores.spam_reasons))


@pytest.mark.parametrize(
    "text",
    [
        "What the hell is wrong with you, you stupid clown",
        "A measured piece, thank you.",
        "shit",
        "",
    ],
)
def test_baseline_abuse_is_profanity_check_itself(text):
    """The scores are alt-profanity-check's own, only computed so the words can be read off."""
    assert score(text).abuse == pytest.approx(float(profanity_check.predict_prob([text])[0]))


def test_scores_are_json_serialisable_for_the_decision():
    stored = json.loads(json.dumps(score("You idiot, buy now at www.example.com").as_dict()))

    assert stored["abuse"]["model"] == "baseline"
    assert stored["abuse"]["reasons"][0][0] == "idiot"
    assert ["1 link", 1.3] in stored["spam"]["reasons"]
    assert 0 <= stored["spam"]["score"] <= 1
