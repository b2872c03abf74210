"""What a label is made of, in millimetres from the label's top-left corner (y grows downwards)."""
from dataclasses import dataclass, field

from .. import fonts
from ..symbology import code128_modules, qr_matrix

ASCENT = 0.77  # baseline sits this many em below the top of a text line (WenQuanYi Micro Hei: 0.765)
MIN_X_MM = 0.25  # Code 128 X-dimension floor (print guidance for scanners at arm's length)
MAX_X_MM = 0.5
CODE128_QUIET = 10  # modules of blank on each side of the bars
QR_QUIET = 4  # modules of blank around the QR symbol
MIN_QR_MODULE_MM = 0.4


class LayoutError(ValueError):
    """The content does not fit the label at readable sizes."""

    def __init__(self, reason: str, **params):
        self.reason = reason
        self.params = params
        super().__init__(reason % params if params else reason)


@dataclass(frozen=True)
class Bars:
    """A Code 128 symbol: modules from x (left of the first bar), quiet zone outside x..x+width."""

    x: float
    y: float
    height: float
    module_mm: float
    modules: str
    data: str

    @property
    def width(self) -> float:
        return len(self.modules) * self.module_mm

    @property
    def quiet_box(self) -> tuple[float, float, float, float]:
        q = CODE128_QUIET * self.module_mm
        return (self.x - q, self.y, self.width + 2 * q, self.height)


@dataclass(frozen=True)
class Matrix:
    """A QR symbol with its top-left module at x, y; the quiet zone lies outside."""

    x: float
    y: float
    module_mm: float
    matrix: tuple
    data: str

    @property
    def size(self) -> float:
        return len(self.matrix) * self.module_mm

    @property
    def quiet_box(self) -> tuple[float, float, float, float]:
        q = QR_QUIET * self.module_mm
        return (self.x - q, self.y - q, self.size + 2 * q, self.size + 2 * q)


@dataclass(frozen=True)
class Text:
    """One line of text; y is the top of the line, size_mm the em size."""

    x: float
    y: float
    size_mm: float
    text: str
    align: str = "left"  # left | center

    @property
    def width(self) -> float:
        return fonts.text_width_mm(self.text, self.size_mm)

    @property
    def box(self) -> tuple[float, float, float, float]:
        left = self.x - self.width / 2 if self.align == "center" else self.x
        return (left, self.y, self.width, self.size_mm)


@dataclass(frozen=True)
class Box:
    """An outlined rectangle (the photo area on a badge)."""

    x: float
    y: float
    w: float
    h: float
    line_mm: float = 0.2


@dataclass
class Label:
    width_mm: float
    height_mm: float
    items: list = field(default_factory=list)

    def symbols(self) -> list:
        return [i for i in self.items if isinstance(i, Bars | Matrix)]

    def texts(self) -> list[Text]:
        return [i for i in self.items if isinstance(i, Text)]

    def problems(self) -> list[str]:
        """What is wrong with the drawing: anything outside the label, text in a quiet zone."""
        found = []
        for item in self.items:
            box = (item.quiet_box if isinstance(item, Bars | Matrix) else item.box if isinstance(item, Text)
                   else (item.x, item.y, item.w, item.h))
            x, y, w, h = box
            if x < -1e-6 or y < -1e-6 or x + w > self.width_mm + 1e-6 or y + h > self.height_mm + 1e-6:
                found.append(f"outside the label: {item!r:.80}")
        for text in self.texts():
            for sym in self.symbols():
                if _overlap(text.box, sym.quiet_box):
                    found.append(f"text {text.text!r:.40} in the quiet zone of {sym.data!r}")
        return found


def _overlap(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw - 1e-6 and bx < ax + aw - 1e-6 and ay < by + bh - 1e-6 and by < ay + ah - 1e-6


def barcode_fitting(code: str, x: float, y: float, width: float, height: float) -> Bars | None:
    """Bars of code centred in a slot of width (quiet zones included), X as large as fits up to MAX_X_MM."""
    modules = code128_modules(code)
    total = len(modules) + 2 * CODE128_QUIET
    x_dim = min(MAX_X_MM, int(width / total * 100) / 100)  # whole hundredths: tidy numbers in the PDF
    if x_dim < MIN_X_MM:
        return None
    left = x + (width - total * x_dim) / 2 + CODE128_QUIET * x_dim
    return Bars(round(left, 3), y, height, x_dim, modules, code)


def qr_fitting(data: str, x: float, y: float, side: float, max_module: float = 0.6) -> Matrix | None:
    """A QR symbol whose quiet zone fills a square slot of side at x, y (top-left); None if modules get too small."""
    matrix = qr_matrix(data)
    n = len(matrix) + 2 * QR_QUIET
    module = min(max_module, int(side / n * 100) / 100)
    if module < MIN_QR_MODULE_MM:
        return None
    return Matrix(round(x + QR_QUIET * module, 3), round(y + QR_QUIET * module, 3), module, matrix, data)


def text_lines(text: str, x: float, y: float, max_w: float, size: float, min_size: float, max_lines: int,
               align: str = "left", leading: float = 1.1, max_h: float | None = None,
               shrink_first: bool = False) -> list[Text]:
    """text wrapped at the largest size from size down to min_size that fits max_lines (and max_h);
    at min_size whatever is left over is cut at the last line with an ellipsis. shrink_first keeps
    identifiers such as archive numbers on one line as long as min_size allows."""
    text = " ".join((text or "").split())
    if not text:
        return []
    s = size
    while shrink_first and s > min_size and fonts.text_width_mm(text, s) > max_w:
        s = max(min_size, round(s - 0.2, 2))
    while True:
        allowed = max_lines if max_h is None else min(max_lines, int((max_h + (leading - 1) * s) / (s * leading) + 1e-9))
        if allowed < 1:
            if s <= min_size:
                return []
        else:
            lines = _wrap(text, s, max_w, allowed)
            if lines is not None or s <= min_size:
                break
        s = max(min_size, round(s - 0.2, 2))
    if lines is None:  # still too long at the smallest size: fill the lines, ellipsis on the last
        lines, rest = [], text
        while len(lines) < allowed - 1:
            cut = _longest_prefix(rest, s, max_w)
            lines.append(rest[:cut].rstrip())
            rest = rest[cut:].lstrip()
        lines.append(fonts.fit(rest, s, max_w))
    return [Text(x, round(y + i * s * leading, 3), s, line, align) for i, line in enumerate(lines)]


def _wrap(text: str, size: float, max_w: float, max_lines: int) -> list[str] | None:
    """text broken into lines no wider than max_w (anywhere: Chinese has no spaces), or None if > max_lines."""
    lines, rest = [], text
    while rest:
        if len(lines) == max_lines:
            return None
        if fonts.text_width_mm(rest, size) <= max_w:
            lines.append(rest)
            break
        cut = _longest_prefix(rest, size, max_w)
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return lines


def _longest_prefix(text: str, size: float, max_w: float) -> int:
    lo, hi = 1, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fonts.text_width_mm(text[:mid], size) <= max_w:
            lo = mid
        else:
            hi = mid - 1
    return lo
