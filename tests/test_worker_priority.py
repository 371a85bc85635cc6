"""gunicorn's workers yield the CPU to what answers without them (``WORKER_NICE``,
newsroom/gunicorn.conf.py): on a full machine, Varnish's hits and the databases go first."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import REPO_ROOT, gunicorn


def _nice(pid):
    # /proc/<pid>/stat: the command sits in parentheses and may hold spaces; the
    # niceness is the 19th field, the 17th after them.
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])


def _processes_serving(port):
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if f"PORT={port}".encode() in environ and b"-m" in (entry / "cmdline").read_bytes():
            found.append(int(entry.name))
    return found


def _master_and_workers(base_url, want, look=_nice):
    """``look`` (niceness unless told) of the master and of its workers, once ``want``
    holds of them (a worker sets its priority just after it is forked, so a look too
    early sees the master's), or as they are after ten seconds."""
    deadline = time.monotonic() + 10
    while True:
        master, workers = _processes(base_url)
        seen = [look(pid) for pid in workers]
        if want(look(master), seen) or time.monotonic() > deadline:
            return look(master), seen
        time.sleep(0.1)


def _processes(base_url):
    pids = _processes_serving(base_url.rsplit(":", 1)[1])
    parents = {
        pid: int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) for pid in pids
    }
    masters = [pid for pid in pids if parents[pid] not in pids]
    assert len(masters) == 1, parents
    workers = [pid for pid in pids if parents[pid] == masters[0]]
    return masters[0], workers


def test_workers_run_five_steps_below_the_master(site_env):
    expected = min(19, os.nice(0) + 5)
    with gunicorn(site_env | {"WORKER_NICE": ""}) as base_url:
        master, workers = _master_and_workers(base_url, lambda _, w: w == [expected] * 2)
    assert master == os.nice(0)
    assert workers == [expected] * 2


def test_worker_nice_zero_leaves_them_alone(site_env):
    with gunicorn(site_env | {"WORKER_NICE": "0"}) as base_url:
        master, workers = _master_and_workers(base_url, lambda m, w: len(w) == 2)
    assert workers == [master] * 2


def test_worker_nice_idle_puts_the_workers_in_the_idle_class(site_env):
    def idle(pid):
        return os.sched_getscheduler(pid) == os.SCHED_IDLE

    with gunicorn(site_env | {"WORKER_NICE": "idle"}) as base_url:
        master, workers = _master_and_workers(base_url, lambda _, w: w == [True, True], idle)
        assert workers == [True, True]
        assert not master
        # They still serve when the machine is quiet.
        with urllib.request.urlopen(base_url + "/healthz", timeout=10) as answer:
            assert answer.status == 200


@pytest.mark.parametrize("value", ["idel", "20", "-3"])
def test_a_worker_nice_gunicorn_cannot_apply_is_refused_at_start_with_its_name(value):
    result = subprocess.run(
        [sys.executable, "-c", "import runpy; runpy.run_path('newsroom/gunicorn.conf.py')"],
        cwd=REPO_ROOT,
        env=os.environ | {"WORKER_NICE": value},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"WORKER_NICE={value!r}" in result.stderr
