import io

import joblib
import pytest

from scoring import scorer, training
from scoring.tests import synthetic


@pytest.fixture(autouse=True)
def _fresh_models():
    """Each test starts with no site model loaded in this process (and leaves none)."""
    scorer.reload()
    yield
    scorer.reload()


@pytest.fixture(scope="session")
def site_data():
    return synthetic.decisions()


@pytest.fixture(scope="session")
def abuse_blob(site_data):
    """A pickled abuse pipeline, as another host would have stored it."""
    texts, labels = training.clean_pairs(site_data)
    pipeline = training.build_pipeline().fit(texts, [label == "rejected" for label in labels])
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer)
    return buffer.getvalue()
