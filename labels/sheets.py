"""Label stock: A4 sheets (slots by margins and pitch), single-label rolls and cards, in millimetres."""
from dataclasses import dataclass

from .layouts.base import LayoutError


@dataclass(frozen=True)
class Sheet:
    """A page of label slots: page size, top-left margins, pitch between slot origins, label size."""

    name: str
    page_w: float
    page_h: float
    cols: int
    rows: int
    label_w: float
    label_h: float
    left: float = 0.0
    top: float = 0.0
    pitch_x: float | None = None
    pitch_y: float | None = None
    kind: str = "sheet"  # sheet | roll | card

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    def slot(self, index: int) -> tuple[float, float]:
        """Top-left corner (mm) of slot index (0-based, row by row) on its page."""
        i = index % self.per_page
        row, col = divmod(i, self.cols)
        return (self.left + col * (self.pitch_x or self.label_w), self.top + row * (self.pitch_y or self.label_h))

    def check(self) -> "Sheet":
        """This sheet if every slot lies on the page; raises LayoutError otherwise."""
        if min(self.page_w, self.page_h, self.label_w, self.label_h) <= 0 or self.cols < 1 or self.rows < 1:
            raise LayoutError("Page and label sizes must be positive and there must be at least one slot.")
        if self.cols > 20 or self.rows > 40:
            raise LayoutError("At most 20 columns and 40 rows.")
        x, y = self.slot(self.per_page - 1)
        if (self.pitch_x or self.label_w) < self.label_w - 1e-6 or (self.pitch_y or self.label_h) < self.label_h - 1e-6:
            raise LayoutError("The pitch must be at least the label size, or labels overlap.")
        if self.left < 0 or self.top < 0 or x + self.label_w > self.page_w + 0.05 or y + self.label_h > self.page_h + 0.05:
            raise LayoutError("The labels do not fit on the page: check margins, pitch and label size.")
        return self


SHEETS: dict[str, Sheet] = {s.name: s for s in (
    # 3 × 8 of 70 × 37 mm, no gaps (e.g. Avery 3475, Herma 4453): 296 mm of labels on 297 mm paper
    Sheet("a4-3x8", 210, 297, 3, 8, 70, 37, left=0, top=0.5),
    # 2 × 7 of 99.1 × 38.1 mm (Avery L7163): 15.15 mm top margin, 2.5 mm gutter
    Sheet("a4-2x7", 210, 297, 2, 7, 99.1, 38.1, left=4.65, top=15.15, pitch_x=101.6, pitch_y=38.1),
    # spine labels for archive boxes: 5 strips of 38 × 190 mm
    Sheet("a4-spine-5x1", 210, 297, 5, 1, 38, 190, left=10, top=53.5, pitch_x=38),
    Sheet("roll-50x30", 50, 30, 1, 1, 50, 30, kind="roll"),
    Sheet("roll-60x40", 60, 40, 1, 1, 60, 40, kind="roll"),
    Sheet("cr80", 85.6, 54, 1, 1, 85.6, 54, kind="card"),
)}


def custom_sheet(page_w: float, page_h: float, cols: int, rows: int, label_w: float, label_h: float,
                 left: float = 0.0, top: float = 0.0, pitch_x: float | None = None,
                 pitch_y: float | None = None) -> Sheet:
    """A sheet defined by page size, margins, pitch and label size; raises LayoutError if it cannot be."""
    return Sheet("custom", float(page_w), float(page_h), int(cols), int(rows), float(label_w), float(label_h),
                 float(left), float(top), float(pitch_x) if pitch_x else None,
                 float(pitch_y) if pitch_y else None).check()


def get_sheet(name: str) -> Sheet:
    """The named stock; raises LayoutError for an unknown name."""
    try:
        return SHEETS[name]
    except KeyError:
        raise LayoutError("Unknown layout: %(name)s", name=name) from None
