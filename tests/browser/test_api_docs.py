"""The API docs render in a real browser from this server alone: no request leaves the machine."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _record_requests(page):
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def _only_local(urls, live_server):
    return [u for u in urls if not (u.startswith(live_server.url) or u.startswith(("data:", "blob:")))]


def test_swagger_ui_renders_the_api_from_local_files(live_server, page, screenshot):
    urls = _record_requests(page)
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "Otinish Desk API" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector("text=/api/v1/appeals/", timeout=15000)
    assert page.locator(".opblock-tag", has_text="open311").count() == 1
    page.wait_for_load_state("networkidle")
    screenshot("api-docs-swagger")
    assert any(u.endswith("/api/schema/") for u in urls)
    assert _only_local(urls, live_server) == []


def test_redoc_renders_the_guide_from_local_files(live_server, page, screenshot):
    urls = _record_requests(page)
    page.goto(live_server.url + "/api/redoc/")
    page.wait_for_selector("h1", timeout=15000)
    page.wait_for_selector("text=Status webhooks", timeout=15000)
    assert page.get_by_text("X-Otinish-Signature").first.is_visible()
    page.wait_for_load_state("networkidle")
    screenshot("api-docs-redoc")
    assert _only_local(urls, live_server) == []
