"""Frame parsers, one per reader protocol; REGISTRY maps the configured name to the class."""
from .barcode import BarcodeParser
from .base import Frame, FrameParser
from .chafon import ChafonParser
from .decimal10 import Decimal10Parser
from .em4100 import Id12laParser, Rdm6300Parser

REGISTRY: dict[str, type[FrameParser]] = {
    "rdm6300": Rdm6300Parser,
    "id12la": Id12laParser,
    "decimal10": Decimal10Parser,
    "barcode": BarcodeParser,
    "chafon": ChafonParser,
}


def make_parser(protocol: str, **options) -> FrameParser:
    """A fresh parser for this protocol; raises KeyError (unknown) or ValueError (bad option)."""
    return REGISTRY[protocol](**options)


__all__ = ["REGISTRY", "Frame", "FrameParser", "make_parser"]
