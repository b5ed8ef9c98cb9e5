"""Steps the employee takes in the browser, shared by the layout, language and print tests."""

from __future__ import annotations

from pathlib import Path

from django.urls import reverse

SHOTS = Path(__file__).resolve().parents[2] / "var" / "shots"

# The document is no wider than the window: nothing scrolls sideways.
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"

# Every <dt> whose box overlaps the box of its <dd> (or whose text spills out of its own box).
LABEL_OVERLAPS = """() => {
  const bad = [];
  document.querySelectorAll('dl.facts dt').forEach(dt => {
    const dd = dt.nextElementSibling;
    if (!dd || dd.tagName !== 'DD') return;
    const a = dt.getBoundingClientRect(), b = dd.getBoundingClientRect();
    const crosses = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    if (crosses || dt.scrollWidth > dt.clientWidth + 1) bad.push(dt.textContent.trim());
  });
  return bad;
}"""


TEST_PASSWORD = "pass-12345"  # noqa: S105 - the factories' password for test users


def sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def switch_language(page, language: str) -> None:
    """Choose the language in the top bar's switch (it submits itself with JavaScript)."""
    if page.locator("html").get_attribute("lang") == language:
        return
    with page.expect_navigation():
        page.select_option("#language-switch", language)
    page.wait_for_load_state()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def act(page, selector: str) -> None:
    """Click a button of the workspace and wait until htmx has swapped a new workspace in."""
    page.evaluate("document.querySelector('#workspace').dataset.stale = '1'")
    page.click(selector)
    page.wait_for_function("() => { const w = document.querySelector('#workspace'); return w && !w.dataset.stale; }")
