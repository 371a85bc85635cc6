"""comments/scoring_data.py: the training data is what moderators decided, nothing else."""

import pytest

from articles.tests.factories import make_article, make_user
from comments import moderation
from comments.models import Comment
from comments.scoring_data import decisions
from comments.tests.factories import make_comment

pytestmark = pytest.mark.django_db


def test_only_moderators_decisions_are_training_data():
    article = make_article()
    moderator = make_user()
    make_comment(article, body="Passed every check", status=Comment.Status.APPROVED)
    make_comment(article, body="Still waiting")
    approved = make_comment(article, body="Approved by a person")
    rejected = make_comment(article, body="Rejected by a person")
    spam = make_comment(article, body="Marked as spam by a person")
    moderation.approve(approved, by=moderator)
    moderation.reject(rejected, by=moderator)
    moderation.mark_spam(spam, by=moderator)

    assert list(decisions()) == [
        ("Approved by a person", "approved"),
        ("Rejected by a person", "rejected"),
        ("Marked as spam by a person", "spam"),
    ]
