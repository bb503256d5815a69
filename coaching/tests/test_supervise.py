"""scripts/supervise.py, which `make run` uses: a process that stops is started again, one that
keeps stopping stops everything with a message, and a stop request stops every process."""

import importlib.util
import shlex
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture
def supervise(monkeypatch):
    path = Path(settings.BASE_DIR) / "scripts" / "supervise.py"
    spec = importlib.util.spec_from_file_location("supervise", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "supervise", module)  # dataclasses look the module up
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "BACKOFF", 0.05)
    return module


def python(code: str) -> str:
    return f"{sys.executable} -c {shlex.quote(code)}"


def run_until(supervisor, condition, limit: float = 20) -> int:
    """Runs the supervisor in a thread, asks it to stop once `condition()` holds."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("code", supervisor.run()))
    thread.start()
    try:
        deadline = time.monotonic() + limit
        while not condition():
            assert time.monotonic() < deadline, "condition not reached"
            assert thread.is_alive(), "the supervisor stopped by itself"
            time.sleep(0.05)
    finally:
        supervisor.stopping = True  # also when the test failed: no process is left behind
        thread.join(timeout=20)
    return result["code"]


def test_a_process_that_stops_is_started_again_and_the_others_run_on(supervise, tmp_path, capsys):
    marker = tmp_path / "started-once"
    flaky = (
        f"import pathlib, time, sys; p = pathlib.Path({str(marker)!r}); "
        "first = not p.exists(); p.touch(); sys.exit(3) if first else time.sleep(60)"
    )
    web = tmp_path / "web-pids"
    steady = (
        f'import os, time; open({str(web)!r}, "a").write(str(os.getpid()) + "\\n"); time.sleep(60)'
    )
    supervisor = supervise.Supervisor(
        {"web": python(steady), "worker": python(flaky)}, env={"PATH": "/usr/bin:/bin"}
    )

    def started() -> int:
        return sum(p.popen is not None and p.popen.poll() is None for p in supervisor.processes)

    code = run_until(
        supervisor,
        lambda: marker.exists() and len(supervisor.processes[1].stops) == 1 and started() == 2,
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "worker stopped unexpectedly (exit code 3); starting it again" in out
    assert len(web.read_text().split()) == 1  # the web process was never stopped
    assert all(p.popen.poll() is not None for p in supervisor.processes)  # all stopped at the end


def test_a_process_that_keeps_stopping_stops_everything_with_a_message(supervise, capsys):
    supervisor = supervise.Supervisor(
        {"web": python("import time; time.sleep(60)"), "worker": python("import sys; sys.exit(1)")},
        env={"PATH": "/usr/bin:/bin"},
    )
    began = time.monotonic()
    assert supervisor.run() == 1
    out = capsys.readouterr().out
    assert "worker stopped 5 times within 120 s (last exit code 1): stopping everything" in out
    assert supervisor.processes[0].popen.poll() is not None  # the web process was stopped too
    assert time.monotonic() - began < 15


def test_closing_the_terminal_stops_every_process(tmp_path):
    """SIGHUP (the terminal closed) stops the processes too: they run in sessions of their own,
    so they would otherwise live on, holding the port, beside the next `make run`."""
    import os
    import signal
    import subprocess

    pids = tmp_path / "pids"
    procfile = tmp_path / "Procfile"
    sleeper = (
        f"import os, time; open({str(pids)!r}, 'a').write(f'{{os.getpid()}}\\n'); time.sleep(60)"
    )
    procfile.write_text(f"web: {python(sleeper)}\nworker: {python(sleeper)}\n")
    supervisor = subprocess.Popen(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "scripts" / "supervise.py"),
            "-f",
            str(procfile),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while not (pids.exists() and len(pids.read_text().split()) == 2):
        assert time.monotonic() < deadline, "the processes did not start"
        time.sleep(0.05)
    supervisor.send_signal(signal.SIGHUP)
    assert supervisor.wait(timeout=20) == 0
    for pid in map(int, pids.read_text().split()):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        # A zombie (ended, not yet reaped by anyone) counts as stopped.
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        assert state == "Z", f"process {pid} still runs"
