import pytest

from scoring import scorer, training
from scoring.tests import synthetic


@pytest.fixture(scope="session")
def converted_dir(tmp_path_factory):
    """Scoring tests keep the converted baseline in a folder of their own, not in var/:
    converted once per run, on the first score."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture(autouse=True)
def _var_dir(settings, converted_dir):
    settings.VAR_DIR = converted_dir


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
    """An abuse model's stored arrays, as another host would have stored them."""
    texts, labels = training.clean_pairs(site_data)
    pipeline = training.build_pipeline().fit(texts, [label == "rejected" for label in labels])
    return training.serialise(pipeline)
