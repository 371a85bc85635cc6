"""Convert alt-profanity-check's shipped model into numpy arrays, once, in its own process.

    python -m scoring.convert_baseline OUTPUT.npz

profanity_check ships a fitted ``TfidfVectorizer`` and a ``CalibratedClassifierCV``
of linear SVMs as joblib pickles: reading them imports scikit-learn (~95 MB). This
short-lived process reads them, writes their arrays in ``linear``'s format and
exits, so a web worker only ever reads the npz (see ``baseline.abuse_model``).
The file is written beside its final name and renamed into place, so a reader
never sees half of it. It imports neither Django nor anything of the site.
"""

import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np

from . import linear

# Checked before writing: the numpy arithmetic must give profanity_check's own numbers.
SAMPLES = [
    "",
    "shit",
    "A measured piece, thank you.",
    "What the hell is wrong with you, you stupid clown",
    "You are an idiot and a moron, nobody wants you here.",
]


def arrays():
    """(meta, arrays) of the installed profanity_check's model."""
    from profanity_check import profanity_check

    model = profanity_check.model
    if getattr(model, "method", None) != "sigmoid" or len(model.classes_) != 2:
        raise ValueError("profanity_check's model is not a binary sigmoid-calibrated ensemble")
    ensemble = model.calibrated_classifiers_
    settings, stored = linear.vectorizer_arrays(profanity_check.vectorizer, "vocabulary")
    stored["coef"] = np.vstack([c.estimator.coef_[0] for c in ensemble])
    stored["intercept"] = np.array([c.estimator.intercept_[0] for c in ensemble])
    stored["a"] = np.array([c.calibrators[0].a_ for c in ensemble])
    stored["b"] = np.array([c.calibrators[0].b_ for c in ensemble])
    meta = {
        "model": "calibrated-linear",
        "source": "alt-profanity-check",
        "version": metadata.version("alt-profanity-check"),
        "vectorizers": [settings],
    }
    expected = profanity_check.predict_prob(SAMPLES)
    check = linear.CalibratedEnsemble(meta, stored)
    got = [check.score(text)[0] for text in SAMPLES]
    if not np.allclose(got, expected, rtol=0, atol=1e-9):
        raise ValueError(f"converted scores {got} differ from profanity_check's {expected}")
    return meta, stored


def convert(output: Path) -> None:
    meta, stored = arrays()
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=output.parent, prefix=output.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            linear.write(file, meta, stored)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from other users
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m scoring.convert_baseline OUTPUT.npz")
    convert(Path(sys.argv[1]))
