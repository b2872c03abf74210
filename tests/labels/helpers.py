"""Read labels back the way a scanner would: rasterise the PDF (pdfium) and decode (zxing-cpp)."""
import pypdfium2 as pdfium
import zxingcpp
from PIL import Image

PT_PER_MM = 72 / 25.4


def pages(pdf: bytes, dpi: int) -> list[Image.Image]:
    """Every page of the PDF as a greyscale image at dpi."""
    doc = pdfium.PdfDocument(pdf)
    try:
        return [doc[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(doc))]
    finally:
        doc.close()


def decode(img: Image.Image) -> list[str]:
    """Texts of every barcode and QR code zxing finds in the image, sorted."""
    return sorted(r.text for r in zxingcpp.read_barcodes(img))


def slot_image(page: Image.Image, sheet, index: int, dpi: int) -> Image.Image:
    """The part of a page image under one label slot (0-based)."""
    x, y = sheet.slot(index)
    s = dpi / 25.4
    return page.crop((round(x * s), round(y * s), round((x + sheet.label_w) * s), round((y + sheet.label_h) * s)))


def text_of(pdf: bytes) -> list[str]:
    """The text layer of every page (what copy-paste and search see)."""
    doc = pdfium.PdfDocument(pdf)
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def page_boxes_mm(pdf: bytes) -> list[tuple[float, float]]:
    doc = pdfium.PdfDocument(pdf)
    try:
        out = []
        for i in range(len(doc)):
            left, bottom, right, top = doc[i].get_mediabox()
            out.append(((right - left) / PT_PER_MM, (top - bottom) / PT_PER_MM))
        return out
    finally:
        doc.close()


def path_bounds_mm(pdf: bytes, page_no: int = 0) -> list[tuple[float, float, float, float]]:
    """(left, top, right, bottom) in mm from the page's top-left corner of every filled path on a page."""
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[page_no]
        height = page.get_height()
        out = []
        for obj in page.get_objects():
            if obj.type == pdfium.raw.FPDF_PAGEOBJ_PATH:
                left, bottom, right, top = obj.get_bounds()
                out.append((left / PT_PER_MM, (height - top) / PT_PER_MM, right / PT_PER_MM,
                            (height - bottom) / PT_PER_MM))
        return out
    finally:
        doc.close()


def symbol_extents(label) -> list[tuple[float, float, float, float]]:
    """(left, top, right, bottom) mm of the dark part of each symbol, in drawing order (one PDF path each)."""
    from labels.layouts import Bars

    out = []
    for sym in label.symbols():
        if isinstance(sym, Bars):
            first, last = sym.modules.index("1"), sym.modules.rindex("1")
            out.append((sym.x + first * sym.module_mm, sym.y, sym.x + (last + 1) * sym.module_mm,
                        sym.y + sym.height))
        else:
            out.append((sym.x, sym.y, sym.x + sym.size, sym.y + sym.size))
    return out
