"""The CJK font: WenQuanYi Micro Hei (TrueType outlines, so reportlab can embed a subset of it).

Found, in order: the CUSTODY_LABEL_FONT environment variable (a .ttf/.ttc path), the copy vendored in
labels/fonts_data/ (taken unchanged from Debian's fonts-wqy-microhei 0.2.0-beta-3.1; Apache-2.0 or
GPL-3+ with the font exception, see LICENSE-wqy-microhei.txt there), Debian's fonts-wqy-microhei.
The site network is isolated, so the font ships with the code.
"""
import os
from functools import lru_cache
from pathlib import Path

FONT_NAME = "CustodyCJK"
VENDORED = Path(__file__).resolve().parent / "fonts_data" / "wqy-microhei.ttc"
DEBIAN_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


class FontMissingError(RuntimeError):
    """No TrueType CJK font could be found."""


def font_path() -> Path:
    """The CJK TrueType font file to use; raises FontMissingError with the ways to install one."""
    candidates = []
    if os.environ.get("CUSTODY_LABEL_FONT"):
        candidates.append(Path(os.environ["CUSTODY_LABEL_FONT"]))
    candidates.append(VENDORED)
    candidates.extend(Path(p) for p in DEBIAN_PATHS)
    for path in candidates:
        if path.is_file():
            return path
    raise FontMissingError(f"No CJK TrueType font found: the vendored {VENDORED} is missing; restore it, "
                           "or `apt-get install fonts-wqy-microhei`, or set CUSTODY_LABEL_FONT to a "
                           ".ttf/.ttc file with TrueType outlines.")


@lru_cache(maxsize=1)
def reportlab_font():
    """The font registered with reportlab under FONT_NAME (subset-embedded on use); raises FontMissingError."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = TTFont(FONT_NAME, str(font_path()), subfontIndex=0)
    pdfmetrics.registerFont(font)
    return font


@lru_cache(maxsize=64)
def pil_font(size_px: int):
    """A Pillow font of this pixel size, for PNG previews and ZPL text graphics."""
    from PIL import ImageFont

    return ImageFont.truetype(str(font_path()), size_px, index=0)


def text_width_mm(text: str, size_mm: float) -> float:
    """Advance width of text set at size_mm (the em size) in millimetres."""
    font = reportlab_font()
    return font.stringWidth(text, 1000.0) / 1000.0 * size_mm


def fit(text: str, size_mm: float, max_mm: float, ellipsis: str = "…") -> str:
    """text, or its longest prefix + ellipsis that fits max_mm at size_mm (never cuts inside a character)."""
    if text_width_mm(text, size_mm) <= max_mm:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # binary search on the prefix length: long titles stay cheap
        mid = (lo + hi + 1) // 2
        if text_width_mm(text[:mid].rstrip() + ellipsis, size_mm) <= max_mm:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ellipsis if lo else ellipsis
