"""Labels rendered to PDF/PNG, rasterised at 300 and 200 dpi and decoded by zxing-cpp: each slot must
scan to exactly its code and URL; sizes in the PDF match the layout; Chinese stays in the text layer."""
from datetime import date
from types import SimpleNamespace as NS

import pytest

from labels import layouts, sheets
from labels.layouts import LayoutError
from labels.render.pdf import render_pdf
from labels.render.png import render_image
from labels.symbology import ALLOWED_CODE_CHARS, SymbologyError, code128_modules, qr_matrix

from .helpers import decode, page_boxes_mm, pages, path_bounds_mm, slot_image, symbol_extents, text_of

BASE = "https://archive.example.cn/custody"
TITLE = "关于加强档案数字化外包安全管理工作的会议纪要及相关文件汇编（第一册）"


def volume(n: int, **kw):
    return NS(code=kw.get("code", f"V{n:08d}"), archive_no=kw.get("archive_no", f"J012-WS·2019-Y-{n:04d}"),
              title=kw.get("title", TITLE), media_type="移动硬盘", capacity="2TB", serial_no=f"WX{n:08d}")


def url(code: str) -> str:
    return f"{BASE}/i/{code}"


MAKERS = {
    "volume": lambda it, sh: layouts.volume_label(it, url(it.code), sh.label_w, sh.label_h),
    "media": lambda it, sh: layouts.media_label(it, url(it.code), sh.label_w, sh.label_h),
    "spine": lambda it, sh: layouts.spine_label(it, url(it.code), sh.label_w, sh.label_h),
}
CASES = [("volume", "a4-3x8"), ("volume", "a4-2x7"), ("volume", "roll-50x30"), ("volume", "roll-60x40"),
         ("media", "roll-50x30"), ("media", "a4-3x8"), ("spine", "a4-spine-5x1")]


@pytest.mark.parametrize("kind,stock", CASES)
def test_every_label_on_every_layout_scans_to_its_code_and_url(kind, stock):
    sheet = sheets.get_sheet(stock)
    items = [volume(n) for n in range(1, max(2, sheet.per_page) + 1)]
    labels_ = [MAKERS[kind](it, sheet) for it in items]
    assert all(not lab.problems() for lab in labels_), [lab.problems() for lab in labels_]
    pdf = render_pdf(sheet, labels_)
    for dpi in (300, 200):
        imgs = pages(pdf, dpi)
        assert len(imgs) == -(-len(items) // sheet.per_page)
        for i, item in enumerate(items):
            crop = slot_image(imgs[i // sheet.per_page], sheet, i, dpi)
            assert decode(crop) == sorted([item.code, url(item.code)]), (dpi, i)


def test_badge_cards_scan_to_the_badge_code():
    people = [NS(name=name, organisation="湖南某某数字化服务有限公司", position="扫描员", badge_code=f"B{n:08d}",
                 valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31))
              for n, name in enumerate(["张三", "欧阳明月", "Li Wei", "阿卜杜热合曼·买买提明"], start=1)]
    cards = [layouts.badge_card(p, {"badge": "编号 ", "valid": "有效期 ", "until": " 至 "}) for p in people]
    assert all(not c.problems() for c in cards)
    pdf = render_pdf(sheets.get_sheet("cr80"), cards)
    assert [pytest.approx((85.6, 54.0), abs=0.1)] * 4 == page_boxes_mm(pdf)
    for dpi in (300, 200):
        for person, img in zip(people, pages(pdf, dpi), strict=True):
            assert decode(img) == [person.badge_code, person.badge_code]
    text = "\n".join(text_of(pdf))
    for person in people:
        assert person.name in text and f"编号 {person.badge_code}" in text
    assert "有效期 2026-01-01 至 2026-12-31" in text
    photo = [i for i in cards[0].items if isinstance(i, layouts.Box)]
    assert photo and photo[0].w >= 20 and photo[0].h >= 25


@pytest.mark.parametrize("stock", ["a4-3x8", "a4-2x7", "roll-50x30", "roll-60x40"])
def test_page_and_symbol_sizes_in_the_pdf_match_the_layout(stock):
    sheet = sheets.get_sheet(stock)
    labels_ = [MAKERS["volume"](volume(n), sheet) for n in range(1, sheet.per_page + 1)]
    pdf = render_pdf(sheet, labels_)
    assert page_boxes_mm(pdf)[0] == pytest.approx((sheet.page_w, sheet.page_h), abs=0.1)
    paths = path_bounds_mm(pdf)
    assert len(paths) == 2 * len(labels_)  # one path per symbol, never a rectangle object per module
    for i, lab in enumerate(labels_):
        x, y = sheet.slot(i)
        for got, (left, top, right, bottom) in zip(paths[2 * i:2 * i + 2], symbol_extents(lab), strict=True):
            assert got == pytest.approx((x + left, y + top, x + right, y + bottom), abs=0.1)
        for sym in lab.symbols():
            if isinstance(sym, layouts.Bars):
                assert sym.module_mm >= 0.25
                assert sym.quiet_box[0] >= 0 and sym.quiet_box[0] + sym.quiet_box[2] <= lab.width_mm
            else:
                assert sym.module_mm >= 0.4


def test_start_position_reuses_a_half_used_sheet():
    sheet = sheets.get_sheet("a4-3x8")
    items = [volume(n) for n in range(1, 23)]  # 22 labels from slot 5: 20 on page one, 2 on page two
    pdf = render_pdf(sheet, [MAKERS["volume"](it, sheet) for it in items], start=5)
    imgs = pages(pdf, 200)
    assert len(imgs) == 2
    for slot in range(4):
        assert decode(slot_image(imgs[0], sheet, slot, 200)) == []
    assert decode(slot_image(imgs[0], sheet, 4, 200)) == sorted([items[0].code, url(items[0].code)])
    assert decode(slot_image(imgs[1], sheet, 1, 200)) == sorted([items[-1].code, url(items[-1].code)])


def test_calibration_offset_moves_everything_on_the_page():
    sheet = sheets.get_sheet("a4-2x7")
    labels_ = [MAKERS["volume"](volume(1), sheet)]
    plain = path_bounds_mm(render_pdf(sheet, labels_))
    shifted = path_bounds_mm(render_pdf(sheet, labels_, offset_mm=(1.5, -2.0)))
    for a, b in zip(plain, shifted, strict=True):
        assert (b[0] - a[0], b[1] - a[1]) == pytest.approx((1.5, -2.0), abs=0.01)


def test_chinese_archive_numbers_and_titles_are_in_the_text_layer():
    sheet = sheets.get_sheet("a4-2x7")
    items = [volume(1, archive_no="湘档·J012-文书-2019-长期-0001"), volume(2, title="短标题：人事任免")]
    text = text_of(render_pdf(sheet, [MAKERS["volume"](it, sheet) for it in items]))[0]
    assert "湘档·J012-文书-2019-长期-0001" in text
    assert "短标题：人事任免" in text
    assert "V00000001" in text  # the code in words under the bars


def test_long_titles_and_200_character_archive_numbers_are_cut_cleanly():
    sheet = sheets.get_sheet("a4-3x8")
    long_no = ("湘档J012-" + "文书档案永久保管卷" * 40)[:200]
    item = volume(7, archive_no=long_no, title="标题" * 300)
    lab = MAKERS["volume"](item, sheet)
    assert not lab.problems()  # nothing spills over the edge or into a quiet zone
    texts = [t.text for t in lab.texts()]
    assert any(t.endswith("…") for t in texts)
    assert all(t.width <= lab.width_mm for t in lab.texts())
    joined = "".join(t for t in texts if t != item.code).replace("…", "")
    assert joined.startswith("湘档J012-文书档案")
    pdf = render_pdf(sheet, [lab])
    assert decode(slot_image(pages(pdf, 200)[0], sheet, 0, 200)) == sorted([item.code, url(item.code)])


def test_codes_with_every_allowed_character_scan():
    chars = ALLOWED_CODE_CHARS
    codes = [chars[i:i + 13] for i in range(0, len(chars), 13)] + ["A-1.B_2", "0", "_.-"]
    assert set("".join(codes)) == set(chars)
    sheet = sheets.get_sheet("a4-3x8")
    labels_ = [MAKERS["volume"](volume(0, code=c), sheet) for c in codes]
    pdf = render_pdf(sheet, labels_)
    for dpi in (300, 200):
        img = pages(pdf, dpi)[0]
        for i, code in enumerate(codes):
            assert decode(slot_image(img, sheet, i, dpi)) == sorted([code, url(code)])


@pytest.mark.parametrize("bad", ["v0001", "V 1", "V/1", "档号1", "", "A" * 33, "V^1", "V~1"])
def test_codes_outside_the_allowed_set_are_refused(bad):
    with pytest.raises(SymbologyError):
        code128_modules(bad)


def test_a_code_too_long_for_the_label_is_a_clear_layout_error():
    with pytest.raises(LayoutError, match="does not fit a 50 × 30 mm label"):
        layouts.volume_label(volume(1, code="ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"), url("X"), 50, 30)


def test_qr_uses_error_correction_m_or_better_and_the_fixed_mask_decodes():
    small = qr_matrix(url("V00000001"))
    assert len(small) in (29, 33)  # version 3/4 at level M for a site URL
    # the fixed mask (see symbology.QR_MASK) proven on many payloads at the smallest module we allow
    for n in range(1, 41):
        lab = layouts.Label(20, 20, [layouts.Matrix(2.5, 2.5, 0.4, qr_matrix(url(f"V{n:08d}")), url(f"V{n:08d}"))])
        assert decode(render_image(lab, 200)) == [url(f"V{n:08d}")]


def test_custom_sheet_places_labels_by_margins_and_pitch():
    sheet = sheets.custom_sheet(page_w=210, page_h=297, cols=2, rows=5, label_w=90, label_h=50, left=10,
                                top=12, pitch_x=100, pitch_y=55)
    items = [volume(n) for n in range(1, 11)]
    pdf = render_pdf(sheet, [MAKERS["volume"](it, sheet) for it in items])
    img = pages(pdf, 200)[0]
    for i, it in enumerate(items):
        assert decode(slot_image(img, sheet, i, 200)) == sorted([it.code, url(it.code)])
    with pytest.raises(LayoutError, match="do not fit on the page"):
        sheets.custom_sheet(page_w=210, page_h=297, cols=3, rows=8, label_w=75, label_h=37)
    with pytest.raises(LayoutError, match="pitch"):
        sheets.custom_sheet(page_w=210, page_h=297, cols=2, rows=2, label_w=90, label_h=50, pitch_x=80)


def test_png_preview_scans_like_the_print():
    lab = MAKERS["volume"](volume(3), sheets.get_sheet("roll-50x30"))
    img = render_image(lab, 203)
    assert img.size == (round(50 * 203 / 25.4), round(30 * 203 / 25.4))
    assert decode(img) == sorted(["V00000003", url("V00000003")])
