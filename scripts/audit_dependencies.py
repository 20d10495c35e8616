"""Known vulnerabilities of the installed Python packages, from PyPI's advisory data (OSV).

    .venv/bin/python scripts/audit_dependencies.py

pip-audit cannot work from this machine: it asks PyPI about each installed version
(/pypi/NAME/VERSION/json) and OSV's API, and only the project-level /pypi/NAME/json is reachable.
That document lists the advisories that affect the project's latest release, each with the
versions that fix it. So, for every installed package:
- an advisory listed there affects the installed version unless a fixing version is at or below it
  (an advisory without a fix affects every version);
- an installed version older than the latest may have further advisories, fixed since, that this
  document no longer lists: such packages are named as "older than the latest" (upgrade them).

Exit status 1 if an advisory affects an installed package and is not in ACCEPTED below with its
reason; 0 otherwise (also when PyPI cannot be reached: then it says loudly that nothing was checked).
"""

from __future__ import annotations

import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata

from packaging.version import InvalidVersion, Version

# Advisories looked at and accepted, with the reason: the check fails on any other.
ACCEPTED = {
    # pdfkit 1.0.0 (no fixed release): wkhtmltopdf's default JavaScript and local-file access.
    "GHSA-9g3x-6x24-vf9f": "examsvc/core/pdf.py runs wkhtmltopdf with --disable-javascript, "
    "--disable-local-file-access and a dead proxy; user text is autoescaped, so no <meta pdfkit-> "
    "option or script reaches it (tests/test_hostile_input.py, tests/test_papers.py)",
}
PYPI = "https://pypi.org/pypi/{}/json"


def project(name: str) -> dict | None:
    try:
        with urllib.request.urlopen(PYPI.format(name), timeout=15) as answer:  # noqa: S310 - a fixed https URL
            return json.load(answer)
    except (OSError, ValueError):
        return None


def affects(advisory: dict, installed: Version) -> bool:
    if advisory.get("withdrawn"):
        return False
    fixes = []
    for text in advisory.get("fixed_in") or []:
        try:
            fixes.append(Version(text))
        except InvalidVersion:
            continue
    return not any(fix <= installed for fix in fixes)


def main() -> int:
    installed = {
        d.metadata["Name"].lower(): d.version
        for d in metadata.distributions()
        if d.metadata["Name"] != "examsvc"
    }
    with ThreadPoolExecutor(16) as pool:
        documents = dict(zip(installed, pool.map(project, installed), strict=True))
    unreachable = sorted(name for name, doc in documents.items() if doc is None)
    if len(unreachable) == len(installed):
        print("NOT AUDITED: PyPI could not be reached; no package was checked", file=sys.stderr)
        return 0
    problems, accepted, older = [], [], []
    for name, doc in sorted((n, d) for n, d in documents.items() if d is not None):
        version = Version(installed[name])
        latest = doc["info"]["version"]
        if Version(latest) > version:
            older.append(f"{name} {version} (latest {latest})")
        seen: set[str] = set()  # OSV lists one advisory under several databases' ids
        for advisory in doc.get("vulnerabilities") or []:
            ids = {advisory["id"], *advisory.get("aliases", [])}
            if not affects(advisory, version) or ids & seen:
                continue
            seen |= ids
            line = f"{name} {version}: {advisory['id']} ({', '.join(advisory.get('aliases', []))})"
            if ids & ACCEPTED.keys():  # an advisory's ids include its aliases in other databases
                accepted.append(line)
            else:
                problems.append(f"{line}: {advisory.get('details', '')[:200]}")
    print(f"{len(installed) - len(unreachable)} packages checked against PyPI's advisory data")
    for line in accepted:
        print(f"  accepted (see ACCEPTED in {__file__.rsplit('/', 1)[-1]}): {line}")
    if older:
        print(
            f"  older than the latest release, so advisories fixed since cannot be seen: {', '.join(older)}"
        )
    if unreachable:
        print(f"  not checked (no answer): {', '.join(unreachable)}")
    for line in problems:
        print(f"VULNERABLE {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
