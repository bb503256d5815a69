"""The shape of the code, checked so that it stays as docs/architecture.md describes it: the
apps' layers (import-linter's contracts in pyproject.toml, also run by `make lint-imports`),
objects looked up only through each app's access module, functions short enough to read, and
comments that state rules rather than point at issue numbers."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["coaching", "audit", "trajects", "sessions", "groups", "billing", "privacy"]
LONGEST = 60  # lines of a function before it needs a reason (a `# Long: …` comment above it)


def application_modules():
    """Every module of the apps' own code: not tests, migrations or the demo's seed."""
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            if path.stem in {"demo", "seed_demo", "seed_bench"}:
                continue
            yield path


def test_the_apps_depend_one_way():
    """import-linter's contracts: no app imports one above it, models import no views or
    tasks. A new upward import fails here with the import that breaks the layers."""
    command = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run(
        [command, "--no-cache", "--config", ROOT / "pyproject.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]


LOOKUPS = {"get_object_or_404", "get_list_or_404"}


def test_objects_are_looked_up_through_the_apps_access_modules():
    """A view finds an object only through `<app>/access.py` (or the core's), where what the
    account may see is decided once: another coach's object is a 404 everywhere."""
    found = []
    for path in application_modules():
        if path.name == "access.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in LOOKUPS:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert found == []


def _reason_above(lines: list[str], node) -> bool:
    first = min([d.lineno for d in node.decorator_list] + [node.lineno])
    above = lines[first - 2].strip() if first >= 2 else ""
    return above.startswith("# Long:")


def test_functions_are_short_or_say_why_not():
    long = []
    for path in application_modules():
        source = path.read_text()
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > LONGEST and not _reason_above(lines, node):
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length})")
    assert long == []


ISSUE = re.compile(r"\bissues? ?#?\d+|\(#\d+\)", re.IGNORECASE)


def test_comments_state_rules_not_issue_numbers():
    """An issue number tells a reader nothing once the issue is closed: say the rule."""
    cited = []
    for path in application_modules():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if ISSUE.search(line):
                cited.append(f"{path.relative_to(ROOT)}:{number}")
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.is_file() and path.suffix in {".html", ".txt"}:
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if ISSUE.search(line):
                    cited.append(f"{path.relative_to(ROOT)}:{number}")
    assert cited == []


@pytest.mark.parametrize("app", APPS)
def test_no_module_is_named_like_a_model_module(app):
    """A `coaching/clients.py` beside `coaching/models/clients.py` makes a reader guess which
    is meant: a model module's name is used for the models only (views/ and services/ packages
    group by topic, and may use it)."""
    models = ROOT / app / "models"
    if not models.is_dir():
        return
    names = {path.stem for path in models.glob("*.py")} - {"__init__"}
    clashing = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / app).glob("*.py") if path.stem in names
    )
    assert clashing == []


def test_every_folder_of_tests_is_collected():
    """`make test` runs pytest without paths: a folder of tests missing from pytest.ini's
    testpaths is never run, in CI or anywhere (the report's tests went unrun for a day)."""
    ini = (ROOT / "pytest.ini").read_text()
    collected = re.search(r"^testpaths\s*=\s*(.+)$", ini, re.M)[1].split()
    folders = {
        str(path.parent.relative_to(ROOT))
        for path in ROOT.glob("*/tests/__init__.py")
        if not path.parts[-3].startswith(".")
    }
    folders = {folder.removesuffix("/tests") for folder in folders} - {"bench"} | {"bench/tests"}
    assert folders - set(collected) == set()
