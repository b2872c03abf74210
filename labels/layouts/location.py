"""Location labels: a shelf, room or workstation code as Code 128 + QR (of the bare code, which the scan
page takes as "the location is here") with the place's name and kind in words."""
from .base import Label
from .volume import Block, coded_label


def location_label(code: str, name: str, kind_caption: str, width: float, height: float) -> Label:
    """The label of a location (code, QR of the code, name, kind); raises LayoutError/SymbologyError."""
    big = height >= 35
    return coded_label(width, height, code, code, [
        Block(name, 4.2 if big else 3.4, 2.4, 2, shrink_first=True),
        Block(kind_caption, 3.0 if big else 2.6, 2.2, 1),
    ])
