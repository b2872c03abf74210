"""Pure functions from an item (or person) to a Label drawn in millimetres."""
from .badge import CR80, badge_card
from .base import Bars, Box, Label, LayoutError, Matrix, Text
from .location import location_label
from .spine import spine_label
from .volume import coded_label, media_label, volume_label

__all__ = ["CR80", "Bars", "Box", "Label", "LayoutError", "Matrix", "Text", "badge_card", "coded_label",
           "location_label", "media_label", "spine_label", "volume_label"]
