"""Static checks as tests: ruff clean, bandit without high-severity findings."""
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
