#!/usr/bin/env python3
"""Runs the processes of a Procfile together (`make run`: web, Celery worker and beat) and keeps
them running: a process that stops is started again, with a line that says so; one that keeps
stopping (5 times within 2 minutes) stops everything, with a message that says which and why, so
nobody is left with a half-dead site. Ctrl-C (or SIGTERM) stops all of them.

Unlike honcho, which `make run` used before, one process ending does not take the others down
silently. Standard library only: it runs before Django is loaded.

    scripts/supervise.py [-f Procfile.dev] [--port 8000]
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import subprocess  # nosec B404
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

RESTART_LIMIT = 5  # stops within RESTART_WINDOW seconds before everything is stopped
RESTART_WINDOW = 120.0
BACKOFF = 1.0  # seconds before the first restart; doubled for each further stop in the window
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL when stopping
LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")

_print_lock = threading.Lock()


def say(name: str, text: str, *, width: int = 7) -> None:
    with _print_lock:
        try:
            sys.stdout.write(f"{time.strftime('%H:%M:%S')} {name:<{width}} | {text}\n")
            sys.stdout.flush()
        except (OSError, ValueError):  # the terminal went away, or `| head` stopped reading
            pass


def read_procfile(path: Path) -> dict[str, str]:
    processes = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = LINE.match(line)
        if match is None:
            raise SystemExit(f"{path}:{number}: not 'name: command': {line!r}")
        processes[match[1]] = match[2]
    if not processes:
        raise SystemExit(f"{path}: no processes")
    return processes


@dataclass
class Process:
    name: str
    command: str
    env: dict[str, str]
    popen: subprocess.Popen | None = None
    stops: deque = field(default_factory=deque)  # when it stopped, within the window
    restart_at: float | None = None

    def start(self) -> None:
        argv = shlex.split(os.path.expandvars(self.command.strip()))
        self.popen = subprocess.Popen(  # nosec B603
            argv,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a worker's pool is stopped with it
            text=True,
            errors="replace",
            bufsize=1,
        )
        say("system", f"{self.name} started (pid {self.popen.pid})")
        threading.Thread(target=self._copy_output, args=(self.popen,), daemon=True).start()

    def _copy_output(self, popen: subprocess.Popen) -> None:
        for line in popen.stdout:
            say(self.name, line.rstrip("\n"))

    def signal(self, signum: int, *, group: bool = False) -> None:
        """To its main process (a Celery worker then stops its pool itself, warm), or to every
        process left in its group (what a main process that stopped left behind)."""
        if self.popen is None:
            return
        if not group and self.popen.poll() is not None:
            return
        try:
            if group:
                os.killpg(self.popen.pid, signum)
            else:
                self.popen.send_signal(signum)
        except (ProcessLookupError, PermissionError):
            pass


class Supervisor:
    def __init__(self, processes: dict[str, str], env: dict[str, str]):
        self.processes = [Process(name, command, env) for name, command in processes.items()]
        self.stopping = False
        self.failed: str | None = None

    def run(self) -> int:
        try:
            for process in self.processes:
                process.start()
            while not self.stopping:
                time.sleep(0.2)
                self.check()
        finally:
            # Also when something here failed: the processes run in sessions of their own, so
            # nothing else would stop them.
            self.stop_all()
        if self.failed:
            say("system", self.failed)
            return 1
        return 0

    def check(self) -> None:
        now = time.monotonic()
        for process in self.processes:
            if self.stopping:
                return
            if process.restart_at is not None:
                if now >= process.restart_at:
                    process.restart_at = None
                    process.start()
                continue
            code = process.popen.poll()
            if code is None:
                continue
            process.signal(signal.SIGKILL, group=True)  # its pool processes, if any are left
            process.stops.append(now)
            while process.stops and now - process.stops[0] > RESTART_WINDOW:
                process.stops.popleft()
            if len(process.stops) >= RESTART_LIMIT:
                self.failed = (
                    f"{process.name} stopped {len(process.stops)} times within "
                    f"{RESTART_WINDOW:.0f} s (last exit code {code}): stopping everything. "
                    "The lines above say why."
                )
                self.stopping = True
                return
            delay = BACKOFF * 2 ** (len(process.stops) - 1)  # 1, 2, 4, 8 s
            say(
                "system",
                f"{process.name} stopped unexpectedly (exit code {code}); "
                f"starting it again in {delay:g} s",
            )
            process.restart_at = now + delay

    def stop_all(self) -> None:
        say("system", "stopping all processes")
        for process in self.processes:
            process.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in self.processes:
            if process.popen is None:
                continue
            try:
                process.popen.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say("system", f"{process.name} did not stop within {STOP_TIMEOUT:.0f} s: killed")
                process.signal(signal.SIGKILL)
                process.popen.wait()
        # What a main process left behind (runserver's reloaded child, say).
        for process in self.processes:
            process.signal(signal.SIGKILL, group=True)

    def request_stop(self, signum: int, frame) -> None:
        self.stopping = True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-f", "--procfile", type=Path, default=Path("Procfile.dev"))
    parser.add_argument("-p", "--port", default=os.environ.get("PORT", "8000"))
    args = parser.parse_args(argv)
    env = {**os.environ, "PORT": str(args.port), "PYTHONUNBUFFERED": "1"}
    os.environ["PORT"] = str(args.port)  # for the $PORT in the Procfile's commands
    supervisor = Supervisor(read_procfile(args.procfile), env)
    # Ctrl-C, a stop request, and the terminal closing: each stops all processes.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, supervisor.request_stop)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
