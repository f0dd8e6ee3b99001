"""The PostgreSQL test fixture's promise: skipped with a clear message on a machine without PostgreSQL,
a failure (never a silent skip) when ``CI`` is set, and a count of what ran for ``.ci/run``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _pytest(tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], str]:
    report = tmp_path / "pg-report"
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "JETBOT_PG_REPORT", "JETBOT_PG_BIN")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "tests/test_storage_engines.py",
         "-k", "snowflake"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**clean, "JETBOT_PG_REPORT": str(report), **env})
    return done, report.read_text().strip() if report.exists() else ""


def test_without_postgresql_its_tests_skip_and_say_how_to_install_it(tmp_path: Path) -> None:
    done, ran = _pytest(tmp_path, JETBOT_PG_BIN=str(tmp_path / "nowhere"))
    assert done.returncode == 0, done.stdout[-2000:]
    assert "1 passed, 1 skipped" in done.stdout  # SQLite ran; PostgreSQL skipped
    assert "apt-get install postgresql" in done.stdout
    assert ran == "0"


def test_in_ci_a_missing_postgresql_fails(tmp_path: Path) -> None:
    done, ran = _pytest(tmp_path, JETBOT_PG_BIN=str(tmp_path / "nowhere"), CI="1")
    assert done.returncode != 0 and "CI is set" in done.stdout
    assert ran == "0"


def test_the_report_counts_postgresql_tests_that_passed(tmp_path: Path) -> None:
    done, ran = _pytest(tmp_path, CI="1")
    assert done.returncode == 0, done.stdout[-2000:]
    assert ran == "1"
