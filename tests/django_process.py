"""Python run in a fresh process under the project's settings, as a deployment would start it.

Settings are read once per process, so tests of what the environment decides run
Django in a subprocess with the environment they mean.
"""

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def run_django(code, *, clear=(), environ=None, **env):
    """Run ``code`` after ``django.setup()``; returns the finished process (text output).

    The environment is this one (or ``environ``) without the variables in ``clear``
    (an entry ending in ``*`` clears every variable with that prefix), plus ``env``.
    """
    names = {name for name in clear if not name.endswith("*")}
    prefixes = tuple(name[:-1] for name in clear if name.endswith("*"))
    base = os.environ if environ is None else environ
    kept = {k: v for k, v in base.items() if k not in names and not k.startswith(prefixes)}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=REPO_ROOT,
        env=kept | {"DJANGO_SETTINGS_MODULE": "newsroom.settings"} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )
