"""The columns a catalogue and a staff list may have: header words (Chinese and English), limits, names."""
import re

from .. import rules
from ..errors import N_

BATCH = 1000  # rows per spooled batch and per insert_many (stays under SQLite's 32,766 bound parameters)
# rows per load transaction: the write lock is held this long at a time (~10-20 ms on a loaded 2-core machine;
# bench/import_stall_bench.py), then let go for as long again
WRITE_CHUNK = 250
CHECK_CHUNK = 500  # keys per "already in the database?" query
# a spreadsheet is refused before reading when it would unpack to more than this (a 4 MB .xlsx can hold
# gigabytes of repeated cells: openpyxl keeps the shared strings in memory) or hold more cells than this
MAX_XLSX_UNCOMPRESSED = 256 * 1024 * 1024
MAX_XLSX_CELLS = 8_000_000
UNSAFE_TEXT = rules.UNSAFE_TEXT
MAX_ERRORS = 1000  # errors kept for display; the count goes on
MAX_CHANGES = 200  # updates (old → new) kept for the preview; the count goes on
HEADER_SEARCH_ROWS = 30  # how far down a title block may push the header row
BADGE_PREFIX = "B"
ALLOWED_SUFFIXES = (".csv", ".xlsx")

# field → accepted headers (compared after _header_key: case, spaces, _ and - ignored)
ITEM_COLUMNS = {
    "code": ("code", "编号", "条码", "条码号"),
    "archive_no": ("archive_no", "archive number", "archive no", "档号"),
    "title": ("title", "题名", "案卷题名", "名称"),
    "pages": ("pages", "page count", "页数"),
    "kind": ("kind", "type", "类型", "类别"),
    "tag": ("tag", "rfid", "rfid tag", "rfid标签", "标签", "epc"),
    "location": ("location", "位置", "存放位置", "库位"),
}
PEOPLE_COLUMNS = {
    "name": ("name", "姓名"),
    "organisation": ("organisation", "organization", "单位", "所在单位"),
    "badge_code": ("badge_code", "badge", "badge code", "工牌号", "工牌", "胸卡号"),
    "tag": ("tag", "rfid", "rfid tag", "rfid标签", "标签", "卡号"),
    "position": ("position", "职务", "岗位"),
    "org_kind": ("org_kind", "organisation kind", "organization kind", "单位类型"),
}
COLUMNS = {"items": ITEM_COLUMNS, "people": PEOPLE_COLUMNS}
# a header row must carry at least one of these (besides being the first row with 2+ known headers)
KEY_COLUMNS = {"items": ("archive_no", "title", "code"), "people": ("name",)}

KIND_WORDS = {
    "volume": ("volume", "卷宗", "案卷", "卷"),
    "media": ("media", "medium", "介质", "存储介质", "移动介质"),
    "device": ("device", "设备"),
}
ORG_KIND_WORDS = {
    "archive": ("archive", "档案部门", "档案馆", "档案局", "甲方"),
    "service": ("service", "服务机构", "服务单位", "外包", "外包单位", "乙方"),
}
LIMITS = {"code": 32, "archive_no": 255, "title": 2000, "tag": 64, "location": 64, "name": 100,
          "organisation": 200, "badge_code": 32, "position": 100}
FIELD_NAMES = {  # how a field is named in messages (msgids; translated by the caller)
    "code": N_("code"), "archive_no": N_("archive number"), "title": N_("title"), "pages": N_("pages"),
    "kind": N_("kind"), "tag": N_("RFID tag"), "location": N_("location"), "name": N_("name"),
    "organisation": N_("organisation"), "badge_code": N_("badge code"), "position": N_("position"),
    "org_kind": N_("organisation kind"),
}
_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_.\-]*$")
_HEX_RE = re.compile(r"^[0-9A-F]+$")
_SPACES = re.compile(r"[\s_\-\u3000\ufeff]+")


def _header_key(text: str) -> str:
    return _SPACES.sub("", str(text)).casefold()


def _word_map(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_header_key(word): value for value, words in table.items() for word in words}


_KINDS = _word_map(KIND_WORDS)
_ORG_KINDS = _word_map(ORG_KIND_WORDS)
_HEADERS = {kind: _word_map(cols) for kind, cols in COLUMNS.items()}
