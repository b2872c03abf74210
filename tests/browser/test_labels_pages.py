"""Printing labels from the labels page in a real browser: the downloaded PDF scans."""
import pytest

from app.custody.models import Item, Site
from labels import sheets
from tests import factories as f
from tests.browser.conftest import log_in as _login
from tests.browser.conftest import off_origin
from tests.labels.helpers import decode, pages, slot_image

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_archivist_prints_a_sheet_from_the_page(browse, database, live_server, phone):
    f.site()
    Site.update(base_url="https://dag.example.cn").execute()
    shelf = f.loc("KF-A-01")
    for n in range(1, 6):
        Item.create(code=f"V{n:08d}", kind="volume", archive_no=f"湘档J012-{n:04d}", title="会议纪要", location=shelf)
    archivist = f.user("archivist")
    page, recorded = browse(phone=phone)
    _login(page, archivist.username)
    if phone:
        page.click(".nav-button")  # the menu opens, then the link is there to tap
    else:
        page.hover(".nav-group-prepare")  # the group's menu opens on hover
    page.click("nav a[href='/labels/']")
    assert page.locator("h1").inner_text() == "打印标签"
    page.fill("textarea[name=codes]", "v00000001-v00000005")
    page.select_option("select[name=layout]", "a4-2x7")
    page.fill("input[name=start]", "2")
    with page.expect_download() as info:
        page.click("button[value=download]")
    pdf = open(info.value.path(), "rb").read()
    sheet = sheets.get_sheet("a4-2x7")
    img = pages(pdf, 200)[0]
    assert decode(slot_image(img, sheet, 0, 200)) == []
    assert decode(slot_image(img, sheet, 1, 200)) == ["V00000001", "https://dag.example.cn/i/V00000001"]
    assert decode(slot_image(img, sheet, 5, 200)) == ["V00000005", "https://dag.example.cn/i/V00000005"]
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # a refusal is shown on the page, in Chinese
    page.fill("textarea[name=codes]", "V00000001 V00000099")
    page.click("button[value=download]")
    assert "未知编码（1 个）：V00000099" in page.locator(".flash-error").inner_text()
    assert off_origin(recorded.urls, live_server) == []
