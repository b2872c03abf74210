"""Labels that always scan: symbology → layouts (millimetres) → renderers (PDF, ZPL, PNG)."""
