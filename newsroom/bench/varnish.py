"""Debian's Varnish with ``deploy/varnish.vcl`` in front of a gunicorn, as deployed.

Used by the bench's storm (readers behind the cache a newsroom puts in front of
its workers) and by ``tests/test_varnish.py``. varnishd runs in the foreground on
its own port and working directory, and stops with the block.
"""

import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VCL = ROOT / "deploy" / "varnish.vcl"


def varnishd_path():
    found = shutil.which("varnishd") or "/usr/sbin/varnishd"
    if not Path(found).exists():
        raise RuntimeError(
            "varnishd is needed (apt-get install varnish varnish-modules; .ci/run installs it)"
        )
    return found


@contextmanager
def varnish(*, port, backend_port, ready_path="/", headers=None, seconds=30):
    """varnishd on 127.0.0.1:``port`` in front of 127.0.0.1:``backend_port``; yields the
    path of its log. Ready once ``ready_path`` (sent with ``headers``) answers 200."""
    work = Path(tempfile.mkdtemp(prefix="newsroom-varnish-"))
    vcl = VCL.read_text()
    if '.port = "8000";' not in vcl:
        raise RuntimeError(f"{VCL} no longer names its backend's port as 8000")
    (work / "site.vcl").write_text(vcl.replace('.port = "8000";', f'.port = "{backend_port}";'))
    log_path = work / "varnishd.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                varnishd_path(),
                "-F",
                "-j",
                "none",
                "-a",
                f"127.0.0.1:{port}",
                "-f",
                str(work / "site.vcl"),
                "-n",
                str(work / "instance"),
                "-s",
                "malloc,64m",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_ready(process, port, ready_path, headers or {}, seconds, log_path)
            yield log_path
        finally:
            process.terminate()
            process.wait(10)
            shutil.rmtree(work, ignore_errors=True)


def _wait_until_ready(process, port, path, headers, seconds, log_path):
    # The backend's health probe must have passed before Varnish will fetch from it.
    deadline = time.monotonic() + seconds
    while True:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - http only
                if answer.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"varnishd did not come up:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.3)
