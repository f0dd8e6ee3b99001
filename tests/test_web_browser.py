"""The public event page in a real headless browser: Debian's chromium, driven by Playwright (``tests/browser.py``).

Nothing is downloaded. Without chromium the test is skipped on a developer's machine and fails in CI (where
``CI`` is set), so it can never silently stop running there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from unittest.mock import MagicMock

import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.knowledge import KnowledgeService
from bot.services import Services, build_services
from bot.storage import Database
from bot.web import WebServer, start_web
from tests import browser
from tests.browser import phone_page, require_chromium, screenshot

GUILD = 111
MEMBERS = (515151515151, 525252525252, 535353535353)


@pytest.fixture
async def server(db: Database, clock: FakeClock) -> AsyncIterator[tuple[Services, WebServer]]:
    services = build_services(Settings(web_port=0), db, MagicMock(spec=KnowledgeService), clock)
    await db.settings.set_timezone(GUILD, "Europe/London")
    web = await start_web(services, port=0)
    assert web is not None
    try:
        yield services, web
    finally:
        await web.stop()


def test_without_chromium_ci_fails_and_a_developer_is_told(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser tests"):
        require_chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_chromium()


async def test_event_page_in_chromium(server: tuple[Services, WebServer]) -> None:
    require_chromium()
    services, web = server
    summary = await services.events.create_event(
        GUILD, created_by=MEMBERS[0], channel_id=5, title="Bōnenkai <end-of-year> party",
        start="2026-12-12 19:00", end="23:00", location="Hanabi, 12 Dean St", capacity=40,
        description="Food, drink and a quiz.\nDietary needs: tell us on Discord.",
    )
    event_id = summary.event.id
    for member in MEMBERS:
        await services.events.rsvp(GUILD, event_id, member, "going")
    url = await web.feed.page_link(GUILD, event_id)

    async with phone_page(web.feed.public_url or "") as (page, outside):
        response = await page.goto(url, wait_until="load")
        assert response is not None and response.status == 200
        shot = await screenshot(page, "event-page.png")

        assert await page.title() == "Bōnenkai <end-of-year> party"
        heading = page.locator("h1")
        assert await heading.inner_text() == "Bōnenkai <end-of-year> party"  # shown as typed, not as markup
        text = await page.locator("main").inner_text()
        assert "Saturday 12 December 2026, 19:00–23:00 GMT (Europe/London)" in text
        assert "Hanabi, 12 Dean St" in text and "37 of 40" in text
        assert "Dietary needs: tell us on Discord." in text
        for member in MEMBERS:
            assert str(member) not in await page.content()
        assert await page.locator("script").count() == 0
        assert outside == []  # nothing fetched from anywhere else

        og = {p: await page.locator(f'meta[property="og:{p}"]').get_attribute("content")
              for p in ("title", "type", "description", "url")}
        assert og["title"] == "Bōnenkai <end-of-year> party" and og["type"] == "website" and og["url"] == url
        assert og["description"] and og["description"].startswith("Saturday 12 December 2026")

        # Fits a phone: no sideways scrolling.
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        ics_link = page.get_by_role("link", name="Add to calendar (.ics)")
        assert await ics_link.get_attribute("href") == url + ".ics"
        google = await page.get_by_role("link", name="Add to Google Calendar").get_attribute("href")
        assert google and google.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")
    assert shot.stat().st_size > 10_000
