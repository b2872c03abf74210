"""Fill msgstr values of an area's catalog from a Python dict file: python tools/fill_po.py AREA DICT.py"""
import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

area, source = sys.argv[1], sys.argv[2]
path = Path(__file__).resolve().parents[1] / "app" / "translations" / area / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
table = runpy.run_path(source)["ZH"]
with path.open("rb") as fh:
    catalog = read_po(fh, locale="zh_CN")
filled = 0
for msg in catalog:
    if msg.id and not msg.string and msg.id in table:
        msg.string = table[msg.id]
        filled += 1
with path.open("wb") as fh:
    write_po(fh, catalog, width=0)
print(f"filled {filled}")
