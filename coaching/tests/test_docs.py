"""The README and the pages in docs/ stay true to the repository they describe.

- Every relative link resolves: the file exists, and an `#anchor` names a heading of the page
  it points to, as GitHub makes anchors (lowercase, punctuation dropped, spaces to hyphens, a
  repeated heading numbered).
- Every file in docs/ can be reached from the README by following links: no page is orphaned.
- Every `make <target>` the pages name exists in the Makefile.
- Every environment variable `coaching/settings.py` reads is in docs/configuration.md, and every
  variable of its "The application" table is read there.

Links, headings and commands inside code (fenced blocks, `code spans`) are code, not links or
headings: a shell comment "# 1. …" in a code block is not a heading."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.MULTILINE)
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, …
MAKE = re.compile(r"\bmake((?:\s+[A-Za-z_][A-Za-z0-9_-]*=\S*)*)\s+([a-z][a-z0-9-]*)\b")
MAKE_RULE = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9_.-]*(?:[ \t]+[A-Za-z0-9][A-Za-z0-9_.-]*)*)[ \t]*:(?!=)"
)
SETTINGS_READ = re.compile(r"\b(?:env|env_bool|env_list|environ\.get)\(\s*\"([A-Z][A-Z0-9_]*)\"")


def without_code(text: str) -> str:
    """The text with fenced blocks and code spans blanked (line breaks kept)."""
    text = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)


def code_of(text: str) -> list[str]:
    """The fenced blocks and code spans of a page."""
    blocks = [m.group(0) for m in FENCE.finditer(text)]
    spans = [m.group(2) for m in CODE_SPAN.finditer(FENCE.sub("", text))]
    return blocks + spans


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: the rendered text (code, links and emphasis marks gone),
    lowercase, everything but letters, digits, '_', '-' and spaces dropped, spaces to '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = text.replace("`", "").replace("*", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for match in HEADING.finditer(FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)):
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(text: str) -> list[str]:
    prose = without_code(text)
    return [m.group(1) for m in INLINE_LINK.finditer(prose)] + REFERENCE_LINK.findall(prose)


@dataclass(frozen=True)
class Broken:
    page: str
    target: str
    why: str


def broken_links(page: Path, text: str) -> list[Broken]:
    """The relative links of `text` (the content of `page`) that do not resolve."""
    problems = []
    for target in links(text):
        if EXTERNAL.match(target):
            continue
        path_part, _hash, anchor = target.partition("#")
        name = page.name
        if not path_part:  # a heading of this page
            if unquote(anchor) not in anchors(text):
                problems.append(Broken(name, target, f"no heading #{anchor}"))
            continue
        destination = (page.parent / unquote(path_part)).resolve()
        if not destination.exists():
            problems.append(Broken(name, target, "no such file"))
        elif not destination.is_relative_to(ROOT):
            problems.append(Broken(name, target, "outside the repository"))
        elif (
            anchor
            and destination.suffix == ".md"
            and unquote(anchor) not in anchors(destination.read_text(encoding="utf-8"))
        ):
            problems.append(Broken(name, target, f"no heading #{anchor}"))
    return problems


def reachable_from(start: Path) -> set[Path]:
    """Every file reached from `start` by following relative links, through Markdown pages."""
    seen = {start.resolve()}
    todo = [start.resolve()]
    while todo:
        page = todo.pop()
        for target in links(page.read_text(encoding="utf-8")):
            path_part = target.partition("#")[0]
            if EXTERNAL.match(target) or not path_part:
                continue
            destination = (page.parent / unquote(path_part)).resolve()
            if destination.is_file() and destination not in seen:
                seen.add(destination)
                if destination.suffix == ".md":
                    todo.append(destination)
    return seen


def make_targets_named(text: str) -> set[str]:
    return {m.group(2) for code in code_of(text) for m in MAKE.finditer(code)}


def makefile_targets(makefile: str) -> set[str]:
    targets = set()
    for line in makefile.splitlines():
        if line.startswith(("\t", "#", " ")):
            continue
        if match := MAKE_RULE.match(line):
            targets.update(match.group(1).split())
    return targets


def section(text: str, heading: str) -> str:
    start = text.index(heading)
    following = text.find("\n## ", start + len(heading))
    return text[start : following if following != -1 else len(text)]


def variables_in(text: str) -> set[str]:
    """The variable names in the first column of a page's tables."""
    return {
        name
        for row in re.findall(r"^\|([^|\n]+)\|", text, re.MULTILINE)
        for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row)
    }


def settings_variables() -> set[str]:
    source = (ROOT / "coaching" / "settings.py").read_text(encoding="utf-8")
    read = set(SETTINGS_READ.findall(source))
    # The practice's details are read in a loop: PRAKTIJK_ADDRESS, PRAKTIJK_CITY, …
    read |= {f"PRAKTIJK_{key.upper()}" for key in settings.PRAKTIJK_DETAILS}
    return read


def _ids(pages: Iterable[Path]) -> list[str]:
    return [str(page.relative_to(ROOT)) for page in pages]


# --- The repository's pages ----------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=_ids(PAGES))
def test_every_relative_link_resolves(page):
    assert broken_links(page, page.read_text(encoding="utf-8")) == []


def test_every_file_in_docs_is_reached_from_the_readme():
    reached = reachable_from(README)
    orphans = [path for path in sorted(DOCS.rglob("*")) if path.is_file() and path not in reached]
    assert orphans == [], f"Not linked from the README, nor from a page it links: {orphans}"


@pytest.mark.parametrize("page", PAGES, ids=_ids(PAGES))
def test_every_make_target_named_exists(page):
    named = make_targets_named(page.read_text(encoding="utf-8"))
    existing = makefile_targets((ROOT / "Makefile").read_text(encoding="utf-8"))
    assert named - existing == set(), f"The Makefile has no target {sorted(named - existing)}"


def test_every_variable_the_settings_read_is_documented():
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = settings_variables() - variables_in(page)
    assert missing == set(), f"Not in docs/configuration.md: {sorted(missing)}"


def test_every_variable_of_the_application_table_is_read_by_the_settings():
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    documented = variables_in(section(page, "## The application"))
    assert documented, "docs/configuration.md has no table under '## The application'"
    stale = documented - settings_variables()
    assert stale == set(), f"Documented, but coaching/settings.py does not read: {sorted(stale)}"


# --- The checks themselves find what they are for ------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("The two commands", "the-two-commands"),
        ("Second factor (MFA)", "second-factor-mfa"),
        ("The practice's public pages", "the-practices-public-pages"),
        ("Facturen and the practice's details", "facturen-and-the-practices-details"),
        ("`make run`", "make-run"),
        ("Cliënten — *wissen*", "cliënten--wissen"),
        ("The life of an e-mail", "the-life-of-an-e-mail"),
    ],
)
def test_anchors_are_made_as_github_makes_them(heading, anchor):
    assert slug(heading) == anchor


def test_a_repeated_heading_gets_a_number_and_a_heading_in_code_is_none():
    text = "# Page\n\n## Notes\n\n```sh\n# 1. not a heading\n```\n\n## Notes\n"
    assert anchors(text) == {"page", "notes", "notes-1"}


def test_a_missing_file_or_heading_is_found_and_external_links_are_left_alone():
    text = (
        "[ok](coach.md#vandaag) [gone](nowhere.md) [bad anchor](coach.md#no-such-heading) "
        "[own](#nor-here) [web](https://example.org/x.md) `[in code](nowhere.md)`\n"
        "```\n[in a block](nowhere.md)\n```\n"
    )
    found = broken_links(DOCS / "example.md", text)
    assert [(b.target, b.why) for b in found] == [
        ("nowhere.md", "no such file"),
        ("coach.md#no-such-heading", "no heading #no-such-heading"),
        ("#nor-here", "no heading #nor-here"),
    ]


def test_a_make_target_is_read_from_code_only():
    text = "To make sure: `make run PORT=8101`, `make`, and\n```sh\nmake frobnicate\n```\n"
    assert make_targets_named(text) == {"run", "frobnicate"}
    assert "frobnicate" not in makefile_targets((ROOT / "Makefile").read_text(encoding="utf-8"))
    assert {"run", "test", "vnu", "lint-imports"} <= makefile_targets(
        (ROOT / "Makefile").read_text(encoding="utf-8")
    )


def test_the_variables_read_by_the_settings_are_found():
    found = settings_variables()
    assert {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "PRAKTIJK_VAR_DIR", "PRAKTIJK_IBAN"} <= found
    assert variables_in("| `A_B`, `C` | `D_DEFAULT` | x |\n`E` outside a table\n") == {"A_B", "C"}
