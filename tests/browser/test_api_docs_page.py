"""The API reference page renders the OpenAPI document in a real browser, from this server's files only."""
import pytest

from tests.browser.conftest import off_origin

pytestmark = pytest.mark.browser


def test_the_api_reference_renders_in_a_browser(browse, live_server):
    page, recorded = browse(phone=False)
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path[data-path=\"/api/v1/reader-events\"]", timeout=20000)
    assert page.locator(".opblock").count() > 20
    assert off_origin(recorded.urls, live_server) == []
