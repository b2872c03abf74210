"""ZPL II for thermal label printers: ^BC/^BQ where the printer draws exactly our symbol, ^GF otherwise.

Code 128 goes out as ^BC in "no mode" with the very code sets python-barcode chose (>: start B,
>5 switch to C …), so the printer prints the same modules we laid out. Text that is not plain ASCII
(Chinese archive numbers, names) is rendered here into a ^GF bitmap so any printer shows it,
whatever fonts it has.
"""
import math

import barcode
from PIL import Image, ImageDraw

from .. import fonts
from ..layouts.base import ASCENT, Bars, Box, Label, Matrix, Text
from ..symbology import runs

DPIS = (203, 300)
MM_PER_INCH = 25.4
_START = {103: ">9", 104: ">:", 105: ">;"}
_SWITCH = {99: ">5", 100: ">6", 101: ">7"}


class ZplError(ValueError):
    """The label cannot be expressed in ZPL at this resolution."""


def dots(mm: float, dpi: int) -> int:
    """Millimetres → printer dots (nearest)."""
    return int(round(mm * dpi / MM_PER_INCH))


def module_dots(module_mm: float, dpi: int, floor_mm: float = 0.0) -> int:
    """Whole dots per module: as close as possible to module_mm, never narrower than floor_mm."""
    n = max(1, int(module_mm * dpi / MM_PER_INCH + 1e-9))
    while n * MM_PER_INCH / dpi < floor_mm - 1e-9:
        n += 1
    return n


def bc_data(code: str) -> str | None:
    """^BC field data reproducing python-barcode's code sets exactly, or None if it cannot."""
    words = barcode.get("code128", code).encoded
    if not words or words[0] not in _START:
        return None
    subset = {103: "A", 104: "B", 105: "C"}[words[0]]
    out = [_START[words[0]]]
    for w in words[1:]:
        if subset == "C":
            if w < 100:
                out.append(f"{w:02d}")
            elif w in (100, 101):
                out.append(_SWITCH[w])
                subset = "B" if w == 100 else "A"
            else:
                return None
        elif w == 99:
            out.append(_SWITCH[w])
            subset = "C"
        elif (subset, w) in (("A", 100), ("B", 101)):
            out.append(_SWITCH[w])
            subset = "B" if w == 100 else "A"
        elif w < 64 or (subset == "B" and w < 96):
            ch = chr(w + 32)
            if ch in "^~>":
                return None  # ^BC escapes: the caller falls back to a ^GF picture of our modules
            out.append(ch)
        else:
            return None
    return "".join(out)


def _hex_graphic(img: Image.Image) -> tuple[int, int, str]:
    """(total bytes, bytes per row, hex) of a mode-"1" image where 1 = black dot."""
    row = (img.width + 7) // 8
    data = img.tobytes()  # mode "1" packs 8 pixels a byte, MSB first, rows padded: exactly ^GF's layout
    return len(data), row, data.hex().upper()


def gf(img: Image.Image) -> str:
    """^GF command for a mode-"1" image (1 = black)."""
    total, row, hexdata = _hex_graphic(img)
    return f"^GFA,{total},{total},{row},{hexdata}"


def text_graphic(text: str, size_mm: float, dpi: int) -> Image.Image:
    """The text drawn with the CJK font into a 1-bit image (1 = black), as tall as its line."""
    px = max(8, dots(size_mm, dpi))
    font = fonts.pil_font(px)
    width = max(1, math.ceil(font.getlength(text)))
    img = Image.new("1", (width, px), 0)
    ImageDraw.Draw(img).text((0, px * ASCENT), text, font=font, fill=1, anchor="ls")
    return img


def _field_text(text: str) -> str:
    # ^FH lets _XX stand for any byte, so ^ ~ and _ can never end the field early
    return "".join(f"_{ord(ch):02X}" if ch in "^~_" else ch for ch in text)


def render_label(label: Label, dpi: int = 203, offset_mm: tuple[float, float] = (0, 0),
                 native: bool = True, copies: int = 1) -> str:
    """One ^XA…^XZ format for the label at dpi, shifted by the printer's calibration offset (mm)."""
    if dpi not in DPIS:
        raise ZplError(f"dpi must be one of {DPIS}")
    dx, dy = offset_mm

    def fo(x_mm: float, y_mm: float) -> str:
        return f"^FO{max(0, dots(x_mm + dx, dpi))},{max(0, dots(y_mm + dy, dpi))}"

    out = ["^XA", "^CI28", f"^PW{dots(label.width_mm, dpi)}", f"^LL{dots(label.height_mm, dpi)}", "^LH0,0"]
    for item in label.items:
        if isinstance(item, Bars):
            m = module_dots(item.module_mm, dpi, floor_mm=0.25)
            data = bc_data(item.data) if native else None
            width_mm = len(item.modules) * m * MM_PER_INCH / dpi
            x = item.x + item.width / 2 - width_mm / 2  # keep the symbol centred where the layout put it
            if data is not None:
                out.append(f"{fo(x, item.y)}^BY{m}^BCN,{dots(item.height, dpi)},N,N,N,N^FD{data}^FS")
            else:
                out.append(f"{fo(x, item.y)}{gf(_bars_image(item.modules, m, dots(item.height, dpi)))}^FS")
        elif isinstance(item, Matrix):
            m = min(10, module_dots(item.module_mm, dpi, floor_mm=0.0))
            if native:
                # ^BQ model 2, error correction M; the printer picks the mask itself, as the standard says
                out.append(f"{fo(item.x, item.y)}^BQN,2,{m}^FH^FDMA,{_field_text(item.data)}^FS")
            else:
                out.append(f"{fo(item.x, item.y)}{gf(_matrix_image(item.matrix, m))}^FS")
        elif isinstance(item, Text):
            h = dots(item.size_mm, dpi)
            left = item.x - item.width / 2 if item.align == "center" else item.x
            if item.text.isascii():
                out.append(f"{fo(left, item.y)}^A0N,{h},{h}^FH^FD{_field_text(item.text)}^FS")
            else:
                out.append(f"{fo(left, item.y)}{gf(text_graphic(item.text, item.size_mm, dpi))}^FS")
        elif isinstance(item, Box):
            t = max(1, dots(item.line_mm, dpi))
            out.append(f"{fo(item.x, item.y)}^GB{dots(item.w, dpi)},{dots(item.h, dpi)},{t}^FS")
    out.append(f"^PQ{max(1, int(copies))}")
    out.append("^XZ")
    return "\n".join(out) + "\n"


def render_zpl(labels, dpi: int = 203, offset_mm: tuple[float, float] = (0, 0), native: bool = True) -> str:
    """All labels as consecutive ZPL formats."""
    return "".join(render_label(label, dpi, offset_mm, native) for label in labels)


def _bars_image(modules: str, m: int, height: int) -> Image.Image:
    img = Image.new("1", (len(modules) * m, height), 0)
    draw = ImageDraw.Draw(img)
    for start, length in runs(modules):
        draw.rectangle([start * m, 0, (start + length) * m - 1, height - 1], fill=1)
    return img


def _matrix_image(matrix, m: int) -> Image.Image:
    n = len(matrix)
    img = Image.new("1", (n * m, n * m), 0)
    draw = ImageDraw.Draw(img)
    for r, row in enumerate(matrix):
        for start, length in runs(row):
            draw.rectangle([start * m, r * m, (start + length) * m - 1, r * m + m - 1], fill=1)
    return img
