"""Known vulnerabilities in the pinned requirements, from PyPI's advisory data (what pip-audit
reads: the Python Packaging Advisory Database and OSV, as PyPI publishes them per release).

pip-audit asks PyPI per release (/pypi/<name>/<version>/json); on a network that only mirrors
the project pages (/pypi/<name>/json) that fails. This script asks per release first and falls
back to the project page, which lists the advisories of the newest release: for a pin that is
the newest release that is the same answer. A pin it cannot check is listed as NOT CHECKED,
never passed silently. Exit status 1 on a known vulnerability.

    python scripts/audit_requirements.py requirements.txt requirements-dev.txt
"""

import json
import re
import sys
import urllib.error
import urllib.request

PYPI = "https://pypi.org/pypi"


def pins(paths: list[str]) -> dict[str, str]:
    found = {}
    for path in paths:
        with open(path, encoding="utf-8") as lines:
            text = lines.read()
        for line in text.splitlines():
            match = re.match(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;#]+)", line.strip())
            if match:
                name = re.sub(r"\[.*\]", "", match.group(1)).lower()
                found[name] = match.group(2)
    return found


def fetch(url: str) -> dict | None:
    try:  # the URL is PyPI's, over https
        with urllib.request.urlopen(url, timeout=20) as response:  # nosec B310
            return json.load(response)
    except (urllib.error.URLError, TimeoutError, ValueError):
        return None


def advisories(name: str, version: str) -> tuple[list[dict] | None, str]:
    release = fetch(f"{PYPI}/{name}/{version}/json")
    if release is not None:
        return release.get("vulnerabilities", []), "release"
    project = fetch(f"{PYPI}/{name}/json")
    if project is None:
        return None, "PyPI unreachable"
    newest = project["info"]["version"]
    if newest == version:
        return project.get("vulnerabilities", []), "project (newest release)"
    return None, f"older than the newest release {newest}, and PyPI's release page is unreachable"


def main(paths: list[str]) -> int:
    failed = unchecked = 0
    for name, version in sorted(pins(paths).items()):
        found, source = advisories(name, version)
        if found is None:
            print(f"NOT CHECKED  {name}=={version}: {source}")
            unchecked += 1
            continue
        live = [a for a in found if not a.get("withdrawn")]
        for advisory in live:
            fixed = ", ".join(advisory.get("fixed_in") or []) or "no fix yet"
            print(f"VULNERABLE   {name}=={version}: {advisory.get('id')} (fixed in {fixed})")
        failed += bool(live)
        if not live:
            print(f"ok           {name}=={version} ({source})")
    print(f"{failed} vulnerable pin(s), {unchecked} pin(s) not checked")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["requirements.txt", "requirements-dev.txt"]))
