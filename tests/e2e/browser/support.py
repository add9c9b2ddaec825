"""Helpers of the browser tests: console watching, screenshots, tokens, seeding through the APIs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import Page

ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "browser"


@dataclass
class Console:
    """Console errors and uncaught exceptions of a page."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))


async def shot(page: Page, name: str, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path


async def ready(page: Page, name: str, timeout_ms: float = 10_000) -> float:
    """Wait until the dashboard says the page `name` has rendered; its render time in ms."""
    await page.wait_for_selector(f"body[data-ready='{name}']", timeout=timeout_ms)
    return float(await page.evaluate("window.m2cRenderMs ?? 0"))


async def sign_in(page: Page, base: str, name: str, password: str, landing: str = "overview") -> None:
    """Sign in with the form of the sign-in page (a session cookie) and wait for the landing page."""
    await page.goto(base + "/")
    await ready(page, "signin")
    await page.fill("#login-name", name)
    await page.fill("#login-password", password)
    await page.click("#login-submit")
    await ready(page, landing)


REFUSAL = "Failed to load resource: the server responded with a status of 4"


def refusals_only(errors: list[str], expected: int) -> bool:
    """The console holds exactly `expected` logged 4xx answers (refusals the page handles) and nothing else."""
    return len(errors) == expected and all(REFUSAL in e for e in errors)
