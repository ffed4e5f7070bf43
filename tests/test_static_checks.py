"""Static checks as tests: ruff clean, bandit without high-severity findings, dependencies pinned."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["stomi_app", "catalogue", "citizen_portal", "nurse_console", "municipal_portal", "callcenter", "fulfilment",
            "fsc_admin", "invoicing"]


def _tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def test_ruff_is_clean():
    result = subprocess.run([_tool("ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_bandit_has_no_high_severity_findings():
    result = subprocess.run([_tool("bandit"), "-q", "-r", "-lll", *PACKAGES], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]


def _requirement_names() -> set[str]:
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {re.split(r"[\s<>=!~\[;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_dependencies_are_pinned_and_installed_as_pinned():
    """Every direct dependency has an exact version in constraints.txt, and this environment has those versions."""
    from importlib.metadata import PackageNotFoundError, version

    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, pinned = line.partition("==")
            assert pinned, f"not an exact pin: {line}"
            pins[name.strip().lower().replace("_", "-")] = pinned.strip()
    missing = _requirement_names() - set(pins)
    assert not missing, f"not in constraints.txt (run scripts/pin.sh): {sorted(missing)}"
    wrong = {}
    for name, pinned in pins.items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            wrong[name] = (pinned, None)
            continue
        if installed != pinned:
            wrong[name] = (pinned, installed)
    assert not wrong, f"installed versions differ from constraints.txt (run scripts/install.sh): {wrong}"
