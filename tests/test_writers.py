"""SQLite's writers wait in line on a file lock (newsroom/writers.py), across processes."""

import os
import select
import subprocess
import sys
from importlib import import_module

from django.db import connection

from newsroom import writers

from .django_process import REPO_ROOT

# Holds the line until told to let go (a line on stdin), saying when it has it.
HOLDER = """
import sys
from newsroom import writers
with writers.queued():
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""
# Says when it asks, and when it is let in.
WAITER = """
from django.db import transaction
from newsroom import writers
print("waiting", flush=True)
with writers.queued(), transaction.atomic():
    print("entered", flush=True)
"""


def _start(code, database):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "NEWSROOM_TEST_DATABASE"}
    }
    return subprocess.Popen(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=REPO_ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "newsroom.settings", "DATABASE_URL": database},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _line(process, timeout):
    """The next line the process prints, or None if none comes within ``timeout``."""
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    return process.stdout.readline().strip() if ready else None


def test_a_writer_waits_for_the_one_before_it_and_goes_in_when_it_is_done(tmp_path):
    database = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    holder = _start(HOLDER, database)
    waiter = None
    try:
        assert _line(holder, 60) == "held", holder.stderr.read()
        waiter = _start(WAITER, database)
        assert _line(waiter, 60) == "waiting", waiter.stderr.read()
        # In line behind the holder: not let in while the holder is writing.
        assert _line(waiter, 1.0) is None
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert _line(holder, 60) == "released"
        assert _line(waiter, 60) == "entered", waiter.stderr.read()
        assert waiter.wait(60) == 0
        assert (tmp_path / f"site.sqlite3{writers.SUFFIX}").exists()
    finally:
        for process in (holder, waiter):
            if process is not None:
                process.kill()
                process.wait()
                for stream in (process.stdin, process.stdout, process.stderr):
                    stream.close()


def test_inside_a_transaction_already_begun_it_waits_for_nothing(tmp_path):
    """That transaction holds SQLite's lock: waiting behind a writer who waits for it
    would never end. So a writer already in a transaction goes straight on."""
    database = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    holder = _start(HOLDER, database)
    try:
        assert _line(holder, 60) == "held", holder.stderr.read()
        code = (
            "from django.db import transaction; from newsroom import writers\n"
            "with transaction.atomic():\n"
            "    with writers.queued():\n"
            "        print('entered', flush=True)\n"
        )
        inside = _start(code, database)
        try:
            assert _line(inside, 60) == "entered", inside.stderr.read()
            assert inside.wait(60) == 0
        finally:
            inside.kill()
            inside.communicate()
    finally:
        holder.kill()
        holder.communicate()


def test_a_lock_file_that_cannot_be_made_leaves_writes_unqueued_with_a_warning(
    tmp_path, caplog, monkeypatch
):
    missing = tmp_path / "no-such-directory" / "site.sqlite3"
    monkeypatch.setattr(writers, "lock_path", lambda connection: str(missing) + writers.SUFFIX)
    ran = []
    with caplog.at_level("WARNING", logger="newsroom.writers"), writers.queued():
        ran.append(True)
    assert ran == [True]
    assert "writing unqueued" in caplog.text
    assert str(missing) in caplog.text


def _wrapper(engine, name):
    backend = import_module(f"django.db.backends.{engine}.base")
    settings = connection.settings_dict | {"ENGINE": f"django.db.backends.{engine}", "NAME": name}
    return backend.DatabaseWrapper(settings)


def test_only_a_file_backed_sqlite_database_has_a_line(tmp_path):
    path = str(tmp_path / "site.sqlite3")
    assert writers.lock_path(_wrapper("sqlite3", path)) == path + "-writers.lock"
    # In memory there is one process, nobody to wait for; PostgreSQL queues its own.
    assert writers.lock_path(_wrapper("sqlite3", ":memory:")) is None
    memory = "file:memorydb_default?mode=memory&cache=shared"
    assert writers.lock_path(_wrapper("sqlite3", memory)) is None
    assert writers.lock_path(_wrapper("postgresql", "newsroom")) is None
