"""The flow sheet as a PDF, read back: text layer (pypdfium2) and the QR code (zxing-cpp)."""
from datetime import timedelta

import pytest

from app.custody.flow import pdf, services
from tests import factories
from tests.clock import TEST_NOW
from tests.labels.helpers import decode, page_boxes_mm, pages, text_of

from .helpers import scanner, staff, steps_with_events_between, walk


@pytest.fixture
def walked(site):
    op = staff("operator")
    device = scanner()
    volume = factories.item(archive_no="J012-WS·2019-Y-0042")
    walk(volume.code, op, device, upto="qc")
    services.record_step(volume.code, "qc", "fail", actor=op.person, user=op, reason="第3页模糊")
    return volume, op, device


def test_sheet_in_chinese_on_a4_with_steps_counts_handler_and_qr(walked):
    volume, op, device = walked
    body = pdf.sheets_pdf([volume.code], size="A4", lang="zh", base_url="http://custody.local")
    text = "\n".join(text_of(body)).replace("\r", "")
    for words in ("档案数字化流程单", "档案出库", "数字化前处理", "档案扫描", "图像处理", "数据质检", "不合格返工: 第3页模糊",
                  volume.code, "J012-WS·2019-Y-0042", device.item.code, op.person.name, "第 1 页 / 共 1 页", "（返工前）"):
        assert words in text, words
    assert decode(pages(body, 150)[0]) == [f"http://custody.local/flow/sheet/{volume.code}"]
    width, height = page_boxes_mm(body)[0]
    assert (round(width), round(height)) == (210, 297)


def test_sheet_in_english_on_a5_and_a_batch_in_one_pdf(walked):
    volume, op, device = walked
    other = factories.item()
    body = pdf.sheets_pdf([volume.code, other.code], size="A5", lang="en", base_url="http://custody.local")
    texts = [t.replace("\r", "") for t in text_of(body)]
    assert len(texts) == 2
    assert "Process flow sheet" in texts[0] and "Scanning" in texts[0] and "failed, rework: 第3页模糊" in texts[0]
    assert other.code in texts[1]
    width, height = page_boxes_mm(body)[0]
    assert (round(width), round(height)) == (148, 210)
    assert decode(pages(body, 200)[1]) == [f"http://custody.local/flow/sheet/{other.code}"]


def test_counts_that_disagree_are_marked(site):
    op = staff("operator")
    device = scanner()
    volume = factories.item()
    walk(volume.code, op, device, upto="scan")
    services.record_step(volume.code, "scan", "start", device=device.item.code, actor=op.person, user=op)
    services.record_step(volume.code, "scan", "finish", count=98, actor=op.person, user=op)
    text = text_of(pdf.sheets_pdf([volume.code], lang="en"))[0]
    assert "100 !" in text and "98 !" in text


@pytest.mark.parametrize("lang, lines", [
    ("en", ("Out of storage", "Checked out", "Preparation", "Damage recorded", "Catalogue data")),
    ("zh", ("档案出库", "保管记录", "数字化前处理", "第5页撕裂", "目录数据库建立")),
])
def test_custody_events_print_between_the_steps(site, lang, lines):
    op = staff("operator")
    volume = factories.item()
    steps_with_events_between(volume, op, TEST_NOW - timedelta(hours=3))
    text = text_of(pdf.sheets_pdf([volume.code], size="A5", lang=lang))[0].replace("\r", "")
    order = [text.index(words) for words in lines]
    assert order == sorted(order), (order, text)
    assert text.count("保管记录" if lang == "zh" else "Custody") == 2  # the check-out and the damage, no header
