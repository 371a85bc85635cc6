"""A web process scores comments with numpy alone: scikit-learn (about 95 MB in every
worker) is imported only by training and by the one-off conversion of the baseline,
which runs in a process of its own."""

import json
import logging
import os
import subprocess
import sys
from importlib import metadata

import profanity_check
import pytest
from django.conf import settings

from scoring import baseline
from scoring.scorer import score

pytestmark = pytest.mark.django_db

HEAVY = ("sklearn", "scipy", "joblib", "profanity_check")

WORKER = f"""
import importlib, json, resource, sys
import django
django.setup()
from django.conf import settings
importlib.import_module(settings.ROOT_URLCONF)  # what a worker has loaded anyway
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from scoring import scorer
scores = scorer.score("you idiot")
print("RESULT", json.dumps({{
    "abuse": scores.abuse,
    "model": scores.abuse_model,
    "reasons": scores.abuse_reasons,
    "grew_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before,
    "heavy": [name for name in {HEAVY!r} if name in sys.modules],
}}))
"""


def run(args, var_dir):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # SQLite in var_dir
    env |= {"DJANGO_SETTINGS_MODULE": "newsroom.settings", "NEWSROOM_VAR_DIR": str(var_dir)}
    done = subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_worker_scores_without_importing_scikit_learn(tmp_path):
    """A fresh worker converts the baseline in a subprocess, then scores with numpy: the same
    score as profanity_check, and far less memory than scikit-learn's ~95 MB."""
    run(["manage.py", "migrate", "--verbosity=0"], tmp_path)

    out = run(["-c", WORKER], tmp_path)

    [line] = [line for line in out.splitlines() if line.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    assert result["heavy"] == []
    assert result["model"] == "baseline"
    assert result["abuse"] == pytest.approx(float(profanity_check.predict_prob(["you idiot"])[0]))
    assert result["reasons"][0][0] == "idiot"
    assert result["grew_kb"] < 40 * 1024, f"scoring grew the worker by {result['grew_kb']} KB"
    converted = list((tmp_path / "scoring").iterdir())
    assert [p.name for p in converted if p.suffix == ".npz"] == [baseline.abuse_path().name]
    assert not [p for p in converted if p.name.endswith(".tmp")]  # renamed into place


def test_the_converted_baseline_is_named_after_the_package_version(settings):
    score("anything")

    version = metadata.version("alt-profanity-check")
    path = settings.VAR_DIR / "scoring" / f"profanity-check-{version}.npz"
    assert path.is_file()


def test_without_its_model_abuse_scores_zero_and_says_so(settings, tmp_path, caplog, time_machine):
    """When the baseline cannot be converted, comments are still scored (spam as usual);
    the conversion is tried again ten minutes later, not on every comment."""
    time_machine.move_to("2026-11-20 09:00:00Z", tick=False)
    settings.VAR_DIR = tmp_path
    (tmp_path / "scoring").write_text("a file where the folder should be")

    with caplog.at_level(logging.ERROR, logger="scoring.baseline"):
        scores = score("you idiot, buy now")

    assert (scores.abuse, scores.abuse_model) == (0.0, "abuse model unavailable")
    assert scores.abuse_reasons == [("abuse model unavailable", 0.0)]
    assert "“buy now”" in [label for label, _w in scores.spam_reasons]
    assert "Abuse model unavailable" in caplog.text

    (tmp_path / "scoring").unlink()
    time_machine.shift(9 * 60)
    assert score("you idiot").abuse_model == "abuse model unavailable"
    time_machine.shift(61)
    assert score("you idiot").abuse > 0.9
