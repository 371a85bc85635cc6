"""Where the npm-installed checkers live, and how to run the Nu HTML Checker.

``npm ci`` (run by ``make setup`` when package.json changes) puts vnu-jar and axe-core
in ``node_modules/``. Without them, or without Java, the checks are skipped on a
developer's machine and fail in CI (``CI`` set), like the browser tests without Chromium.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO_ROOT / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"


def require(path_or_tool, why):
    """Skip (or, in CI, fail) unless the tool or file is there."""
    present = (
        Path(path_or_tool).exists()
        if os.sep in str(path_or_tool)
        else shutil.which(str(path_or_tool))
    )
    if present:
        return
    message = f"{path_or_tool} is missing: {why}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (required in CI)")
    pytest.skip(message)


def require_vnu():
    require("java", "the Nu HTML Checker needs Java 17+ (apt-get install default-jre-headless)")
    require(VNU_JAR, "run `npm ci` for the Nu HTML Checker (vnu-jar)")


def require_axe():
    require(AXE_JS, "run `npm ci` for axe-core")


def run_vnu(paths):
    """Check every file in ``paths`` in one Java run; return the messages, per file URL."""
    result = subprocess.run(
        [
            "java",
            "-Xss2m",
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--exit-zero-always",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # vnu writes its JSON report to stderr.
    return json.loads(result.stderr)["messages"]
