"""Real headless Chromium (Debian's) driven by Playwright over the whole app served by uvicorn.

The app runs in its own thread with its own event loop, over this test's database; the browser is shared by
the session. Screenshots go to artifacts/browser/ (1366×768)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from shared.settings import Settings
from tests.e2e.browser.support import Console
from tests.served_app import served

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
try:
    from playwright.async_api import Browser, Page, ViewportSize, async_playwright
    HAVE_PLAYWRIGHT = True
except ImportError:  # pragma: no cover - the skip below says why
    HAVE_PLAYWRIGHT = False

VIEWPORT: ViewportSize = {"width": 1366, "height": 768}


def _skip_reason() -> str | None:
    if not HAVE_PLAYWRIGHT:
        return "the playwright package is not installed (.venv/bin/pip install playwright)"
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if reason := _skip_reason():
        pytest.skip(reason)
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
def live_app(settings: Settings) -> Iterator[str]:
    """The embedded app (all services + dashboard, relay running) on 127.0.0.1:<free port>; yields its base URL."""
    with served(settings) as url:
        yield url


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[tuple[Page, Console]]:
    context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    p = await context.new_page()
    console = Console()
    console.watch(p)
    try:
        yield p, console
    finally:
        await context.close()


@pytest.fixture
async def api(live_app: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_app, timeout=20) as client:
        yield client
