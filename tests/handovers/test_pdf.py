"""The handover list in duplicate, read back: text layer (pypdfium2) and the QR code (zxing-cpp)."""
import time

from app.custody.handovers import make_batch, pdf, pick_list
from tests.labels.helpers import decode, pages, text_of

from .helpers import handed_over, staff, volumes


def test_list_in_duplicate_names_both_copies_totals_and_every_archive_number(site):
    archivist, operator = staff("archivist", "archive", "王档案"), staff("operator", "service", "李加工")
    items = volumes(70, title="关于档案数字化外包安全管理的会议纪要")
    h = handed_over(archivist, operator, items)
    body = pdf.handover_pdf(h, base_url="http://custody.local")
    texts = [t.replace("\r", "") for t in text_of(body)]
    n = len(texts)
    assert n % 2 == 0 and n >= 4
    first, second = texts[: n // 2], texts[n // 2:]
    assert all("第一联 档案部门" in t for t in first) and all("第二联 服务机构" in t for t in second)
    for copy in (first, second):
        for i, page in enumerate(copy, start=1):
            assert f"第 {i} 页 / 共 {n // 2} 页" in page and f"page {i} of {n // 2}" in page
            assert h.number in page
        whole = "\n".join(copy)
        for item in items:
            assert item.archive_no in whole
        assert "合计 Totals: 70 卷 volumes · 7000 页 pages · 0 卷" in whole
        assert "王档案" in whole and "李加工" in whole and "签字 Signature" in whole
        assert "档案部门 → 服务机构" in whole
    for image in (pages(body, 150)[0], pages(body, 150)[-1]):
        assert decode(image) == [f"http://custody.local/handovers/{h.number}"]


def test_five_hundred_volumes_in_under_three_seconds(site):
    archivist, operator = staff("archivist", "archive"), staff("operator", "service")
    items = volumes(500)
    h = handed_over(archivist, operator, items)
    started = time.perf_counter()
    body = pdf.handover_pdf(h)
    elapsed = time.perf_counter() - started
    whole = "\n".join(text_of(body))
    assert whole.count(items[-1].archive_no) == 2
    assert elapsed < 3, elapsed


def test_pick_list_is_sorted_by_shelf(site):
    archivist = staff("archivist", "archive")
    items = volumes(3, at="KF-A-02") + volumes(3, at="KF-A-01")
    batch = make_batch([i.code for i in items], user=archivist)
    body = pdf.pick_list_pdf(batch, pick_list(batch))
    text = text_of(body)[0]
    assert text.index("KF-A-01") < text.index("KF-A-02")
    assert all(i.archive_no in text for i in items)
