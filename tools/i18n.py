"""Translations: every user-visible string exists in English (the msgid) and Chinese (zh_CN).

Catalogs live per area in app/translations/<area>/zh_Hans_CN/LC_MESSAGES/messages.po and are merged
at run time, so areas never edit each other's files. (zh_Hans_CN is the CLDR name Babel resolves
"zh_CN" to; gettext finds a catalog only under that name.)

  python tools/i18n.py check            # list msgids without a Chinese translation; stale .mo files
  python tools/i18n.py missing AREA     # append the untranslated msgids to AREA's catalog (empty msgstr)
  python tools/i18n.py compile          # .po → .mo for every area
"""
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "app" / "translations"
LOCALE_DIR = "zh_Hans_CN"
KEYWORDS = {"_": None, "_l": None, "N_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
METHODS = {"app": [("**.py", "python")], "templates": [("**.html", "jinja2")]}
OPTIONS = {"**.html": {"extensions": "jinja2.ext.do"}}


def catalogs() -> dict[str, Path]:
    return {p.parents[2].name: p for p in sorted(TRANSLATIONS.glob(f"*/{LOCALE_DIR}/LC_MESSAGES/messages.po"))}


def source_msgids() -> dict[str, str]:
    """msgid → first place it is used."""
    found: dict[str, str] = {}
    for folder, method in METHODS.items():
        for filename, lineno, message, _comments, _ctx in extract_from_dir(
                ROOT / folder, method, keywords=KEYWORDS, options_map=OPTIONS):
            ids = message if isinstance(message, tuple) else (message,)
            for msgid in ids:
                if msgid:
                    found.setdefault(msgid, f"{folder}/{filename}:{lineno}")
    return found


def translated() -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in catalogs().values():
        with path.open("rb") as fh:
            for msg in read_po(fh):
                if msg.id and msg.string and not msg.fuzzy:
                    key = msg.id[0] if isinstance(msg.id, tuple) else msg.id
                    merged[key] = msg.string
    return merged


def stale_mo() -> list[str]:
    stale = []
    for area, po in catalogs().items():
        mo = po.with_suffix(".mo")
        if not mo.exists():
            stale.append(area)
            continue
        with po.open("rb") as fh:
            want = {m.id: m.string for m in read_po(fh) if m.id and m.string and not m.fuzzy}
        with mo.open("rb") as fh:
            have = {m.id: m.string for m in read_mo(fh) if m.id}
        if want != have:
            stale.append(area)
    return stale


def missing() -> dict[str, str]:
    done = translated()
    return {mid: where for mid, where in source_msgids().items() if mid not in done}


def compile_all() -> None:
    for po in catalogs().values():
        with po.open("rb") as fh:
            catalog = read_po(fh, locale="zh_CN")
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        po.with_suffix(".mo").write_bytes(buf.getvalue())


def add_missing(area: str) -> int:
    path = TRANSLATIONS / area / LOCALE_DIR / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        with path.open("rb") as fh:
            catalog = read_po(fh, locale="zh_CN")
    else:
        catalog = Catalog(locale="zh_CN", project="custody", charset="utf-8")
    todo = missing()
    for msgid, where in todo.items():
        if msgid not in catalog:
            catalog.add(msgid, "", locations=[(where.rsplit(":", 1)[0], int(where.rsplit(":", 1)[1]))])
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False)
    return len(todo)


def main(argv: list[str]) -> int:
    for legacy in TRANSLATIONS.glob("*/zh_CN"):
        print(f"misplaced catalog: {legacy} — move it to {legacy.parent / LOCALE_DIR}")
    cmd = argv[1] if len(argv) > 1 else "check"
    if cmd == "compile":
        compile_all()
        print("compiled", ", ".join(catalogs()))
        return 0
    if cmd == "missing":
        print(f"{add_missing(argv[2])} untranslated msgid(s) added to {argv[2]}")
        return 0
    todo, stale = missing(), stale_mo()
    for msgid, where in sorted(todo.items(), key=lambda kv: kv[1]):
        print(f"untranslated: {where}: {msgid!r}")
    for area in stale:
        print(f"stale .mo: {area} (run python tools/i18n.py compile)")
    return 1 if todo or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
