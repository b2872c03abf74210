"""Renderers: the same Label in, bytes out (PDF sheets, ZPL II for thermal printers, PNG previews)."""
