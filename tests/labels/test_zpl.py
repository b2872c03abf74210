"""ZPL II: well-formed formats, the right payloads in ^BC/^BQ, golden text, Chinese as ^GF graphics."""
import re
from pathlib import Path
from types import SimpleNamespace as NS

import pytest
from PIL import Image

from labels import layouts, sheets
from labels.render.zpl import bc_data, render_label, render_zpl

from .helpers import decode

GOLDEN = Path(__file__).parent / "golden"
URL = "http://127.0.0.1:8000/i/"
FIELD = re.compile(r"\^FO(\d+),(\d+)(.*?)\^FS", re.S)
GF = re.compile(r"\^GFA,(\d+),(\d+),(\d+),([0-9A-F]*)$")


def item(code="V00000001", archive_no="J012-WS-2019-Y-0001", title="Minutes of the board"):
    return NS(code=code, archive_no=archive_no, title=title, media_type="HDD", capacity="2TB", serial_no="WX1")


def formats(zpl: str) -> list[str]:
    """The ^XA…^XZ formats of a job; asserts nothing is outside them and every field is closed."""
    body = zpl.strip()
    parts = re.findall(r"\^XA(.*?)\^XZ", body, re.S)
    assert re.sub(r"\^XA.*?\^XZ", "", body, flags=re.S).strip() == ""
    for part in parts:
        assert part.count("^FO") == part.count("^FS")
        for line in part.strip().splitlines():
            assert line.startswith("^"), line
    return parts


def unescape_bc(data: str) -> str:
    """What a scanner reads from ^BC field data in no-mode: invocation codes dropped."""
    return re.sub(r">[0-9:;56789]", "", data)


def unfh(data: str) -> str:
    """^FH field data as the printer reads it: _XX is the byte XX."""
    return re.sub(r"_([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), data)


def rasterise_graphics(zpl: str, dpi: int) -> Image.Image:
    """Draw every ^GF field of one format at its ^FO (a printer's view of our bitmaps)."""
    pw = int(re.search(r"\^PW(\d+)", zpl).group(1))
    ll = int(re.search(r"\^LL(\d+)", zpl).group(1))
    page = Image.new("L", (pw, ll), 255)
    for x, y, body in FIELD.findall(zpl):
        m = GF.match(body)
        if not m:
            continue
        total, _, row, hexdata = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
        raw = bytes.fromhex(hexdata)
        assert len(raw) == total and total % row == 0
        bitmap = Image.frombytes("1", (row * 8, total // row), raw)
        page.paste(0, (int(x), int(y)), bitmap)
    return page


@pytest.mark.parametrize("dpi", [203, 300])
def test_golden_roll_label(dpi):
    label = layouts.volume_label(item(), URL + "V00000001", 50, 30)
    got = render_label(label, dpi)
    golden = GOLDEN / f"volume-50x30-{dpi}.zpl"
    if not golden.exists():  # first run writes it; review it, then it guards every change
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(got)
    assert got == golden.read_text()


@pytest.mark.parametrize("stock,dpi,pw,ll", [("roll-50x30", 203, 400, 240), ("roll-50x30", 300, 591, 354),
                                             ("roll-60x40", 203, 480, 320), ("roll-60x40", 300, 709, 472)])
def test_roll_sizes_and_payloads(stock, dpi, pw, ll):
    sheet = sheets.get_sheet(stock)
    codes = ["V00000001", "M00000042", "AB-._9XYZ", "0123456789"]
    labels_ = [layouts.volume_label(item(c), URL + c, sheet.label_w, sheet.label_h) for c in codes]
    parts = formats(render_zpl(labels_, dpi))
    assert len(parts) == len(codes)
    for code, part in zip(codes, parts, strict=True):
        assert f"^PW{pw}" in part and f"^LL{ll}" in part and "^CI28" in part
        bc = re.search(r"\^BY(\d+)\^BCN,(\d+),N,N,N,N\^FD(.*?)\^FS", part)
        assert bc and unescape_bc(bc.group(3)) == code
        assert int(bc.group(1)) * 25.4 / dpi >= 0.25  # X-dimension in whole dots, never under 0.25 mm
        qr = re.search(r"\^BQN,2,(\d+)\^FH\^FDMA,(.*?)\^FS", part)
        assert qr and unfh(qr.group(2)) == URL + code
        assert int(qr.group(1)) >= 2


def test_chinese_text_becomes_graphics_any_printer_can_print():
    label = layouts.volume_label(item(archive_no="湘档·J012-文书-2019-0001", title="会议纪要"), URL + "V1", 60, 40)
    part = formats(render_label(label, 203))[0]
    graphics = [GF.match(body) for _x, _y, body in FIELD.findall(part) if GF.match(body)]
    assert len(graphics) == 2  # archive number and title
    assert "湘档" not in part and "会议" not in part  # nothing the printer's fonts might not have
    img = rasterise_graphics(part, 203)
    assert img.getextrema() == (0, 255)  # the text really is drawn


@pytest.mark.parametrize("dpi", [203, 300])
def test_graphic_fallback_symbols_scan(dpi):
    """With native=False bars and QR go out as ^GF bitmaps of our own modules: they must decode."""
    label = layouts.volume_label(item("V00000077"), URL + "V00000077", 60, 40)
    zpl = render_label(label, dpi, native=False)
    assert "^BC" not in zpl and "^BQ" not in zpl
    assert decode(rasterise_graphics(zpl, dpi)) == sorted(["V00000077", URL + "V00000077"])


def test_calibration_offset_moves_every_field():
    label = layouts.volume_label(item(), URL + "V00000001", 50, 30)
    plain = FIELD.findall(render_label(label, 203))
    moved = FIELD.findall(render_label(label, 203, offset_mm=(1.0, 2.0)))
    for (x0, y0, _), (x1, y1, _) in zip(plain, moved, strict=True):
        assert (int(x1) - int(x0), int(y1) - int(y0)) == (8, 16)  # 1 mm and 2 mm at 203 dpi


def test_field_data_cannot_break_out_of_a_field():
    label = layouts.Label(50, 30, [layouts.Text(2, 2, 3, "A^XZ~JR_B")])
    part = formats(render_label(label, 203))[0]
    assert "^FH^FDA_5EXZ_7EJR_5FB^FS" in part


def test_badge_card_in_zpl():
    person = NS(name="张三", organisation="服务公司", position="扫描员", badge_code="B00000001", valid_from=None,
                valid_until=None)
    part = formats(render_label(layouts.badge_card(person), 300))[0]
    assert "^FD>:B>500000001^FS" in part and "^GB" in part  # bars and the photo frame


def test_bc_data_matches_python_barcode_code_sets():
    assert bc_data("V00000001") == ">:V>500000001"
    assert bc_data("0123456789") == ">;0123456789"
    assert unescape_bc(bc_data("AB-._9XYZ0123")) == "AB-._9XYZ0123"
