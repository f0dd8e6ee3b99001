"""A real headless browser for tests: Debian's chromium (``/usr/bin/chromium``), driven by Playwright.

Nothing is downloaded: Playwright's own browser builds are never installed. Without chromium (or
Playwright) a test calling ``require_chromium`` is skipped on a developer's machine and FAILS in CI (where
``CI`` is set; ``.ci/run`` installs chromium), so the browser checks can never silently stop running there.
Screenshots go to ``tmp/artefacts`` (CI keeps that folder).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parent.parent / "tmp" / "artefacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def missing() -> str | None:
    """Why the browser cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    return None


def require_chromium() -> None:
    """Skip on a developer's machine without the browser; fail in CI."""
    why = missing()
    if why is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{why}: CI must run the browser tests (.ci/run installs chromium)", pytrace=False)
    pytest.skip(f"{why}; CI runs this test")


@asynccontextmanager
async def phone_page(allowed_origin: str) -> AsyncIterator[tuple[Any, list[str]]]:
    """A phone-sized page in headless chromium, and the list of requests it made anywhere but ``allowed_origin``."""
    require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(**PHONE)
            page = await context.new_page()
            outside: list[str] = []
            page.on("request", lambda r: None if r.url.startswith(allowed_origin) else outside.append(r.url))
            yield page, outside
        finally:
            await browser.close()


async def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot saved as a test artefact."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / name
    await page.screenshot(path=str(path), full_page=True)
    return path
