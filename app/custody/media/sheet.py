"""Registering media and equipment from a sheet (.csv or .xlsx), all rows or none.

The header row may sit under a title block; headers are matched in Chinese or English. Every row is
registered through registration.register inside one transaction, so a bad row leaves the register untouched
and the problems are reported with the row numbers a spreadsheet shows.
"""
import csv
import zipfile
from datetime import date, datetime
from pathlib import Path

from app.db import write_tx

from ..errors import N_, CustodyError, ValidationError
from .registration import register

COLUMNS = {
    "category": ("category", "type", "类型", "介质类型", "设备类型"),
    "make": ("make", "brand", "model", "品牌", "品牌型号", "型号"),
    "serial_no": ("serial", "serial_no", "serial number", "序列号", "编号"),
    "capacity": ("capacity", "容量"),
    "owner_org": ("owner", "owner_org", "归属", "所属单位"),
    "keeper": ("keeper", "保管人", "保管人工牌"),
    "cabinet": ("cabinet", "存放位置", "存放柜"),
    "device": ("device", "所属设备", "所在设备"),
    "checked_on": ("checked on", "checked_on", "核对日期", "登记日期"),
    "checked_by": ("checked by", "checked_by", "核对人", "核对人工牌"),
    "code": ("code", "条码", "条码号"),
    "note": ("note", "备注"),
}
CATEGORY_WORDS = {
    "usb_drive": ("usb", "u盘", "优盘", "usb drive"), "portable_disk": ("移动硬盘", "portable disk"),
    "optical_disc": ("光盘", "optical disc", "dvd", "cd"), "memory_card": ("存储卡", "内存卡", "memory card", "sd"),
    "internal_disk": ("硬盘", "内置硬盘", "internal disk", "hdd", "ssd"), "pc": ("计算机", "电脑", "pc", "computer"),
    "scanner": ("扫描仪", "scanner"), "burner": ("刻录机", "burner"), "other_device": ("其他设备", "other"),
}
OWNER_WORDS = {"archive": ("档案部门", "档案馆", "甲方", "archive"), "service": ("服务机构", "外包", "乙方", "service")}


class SheetError(CustodyError):
    code = "sheet_invalid"
    status = 422
    template = N_("The sheet has problems; nothing was registered.")

    def __init__(self, problems: list[tuple[int, CustodyError]]):
        self.problems = problems
        super().__init__()


def _key(text) -> str:
    return "".join(str(text or "").split()).replace("_", "").casefold()


_HEADERS = {_key(word): field for field, words in COLUMNS.items() for word in words}
_CATEGORIES = {_key(w): c for c, words in CATEGORY_WORDS.items() for w in (*words, c)}
_OWNERS = {_key(w): c for c, words in OWNER_WORDS.items() for w in (*words, c)}


def _rows(path: Path, filename: str):
    if filename.lower().endswith(".xlsx"):
        import openpyxl

        if not zipfile.is_zipfile(path):
            raise ValidationError(N_("The file is not a readable .xlsx workbook."))
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise ValidationError(N_("The file is not a readable .xlsx workbook.")) from None
        try:
            return [list(r) for r in wb.active.iter_rows(values_only=True)]
        finally:
            wb.close()
    if filename.lower().endswith(".csv"):
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return list(csv.reader(raw.decode(encoding).splitlines()))
            except UnicodeDecodeError:
                continue
    raise ValidationError(N_("Choose a .csv or .xlsx file."))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def import_sheet(path, filename: str, *, actor=None, user=None, now=None) -> list:
    """Register every row of the sheet, or none; raises SheetError listing (row number, problem)."""
    rows = _rows(Path(path), filename)
    header_at, mapping = None, {}
    for n, row in enumerate(rows[:30]):
        found = {i: _HEADERS[_key(c)] for i, c in enumerate(row) if _key(c) in _HEADERS}
        if "serial_no" in found.values() and len(found) >= 2:
            header_at, mapping = n, found
            break
    if header_at is None:
        raise SheetError([(1, ValidationError(N_("No header row with a serial number column was found.")))])
    problems, records = [], []
    try:
        with write_tx():
            for n, row in enumerate(rows[header_at + 1:], start=header_at + 2):
                values = {field: _cell(row[i]) if i < len(row) else "" for i, field in mapping.items()}
                if not any(values.values()):
                    continue
                try:
                    category = _CATEGORIES.get(_key(values.get("category")))
                    if category is None:
                        raise ValidationError(N_("Unknown category: %(value)s."), value=values.get("category", ""))
                    owner = _OWNERS.get(_key(values.get("owner_org")), "archive" if not values.get("owner_org")
                                        else None)
                    if owner is None:
                        raise ValidationError(N_("The owner is the archive department or the service organisation."))
                    checked_on = date.fromisoformat(values["checked_on"][:10]) if values.get("checked_on") else None
                    records.append(register(
                        category=category, serial_no=values.get("serial_no", ""), make=values.get("make", ""),
                        capacity=values.get("capacity", ""), owner_org=owner, keeper=values.get("keeper", ""),
                        cabinet=values.get("cabinet", ""), device=values.get("device") or None,
                        checked_on=checked_on, checked_by=values.get("checked_by", ""),
                        code=values.get("code", ""), note=values.get("note", ""), actor=actor, user=user, now=now))
                except CustodyError as err:
                    problems.append((n, err))
                except ValueError:
                    problems.append((n, ValidationError(N_("Not a date: %(value)s"), value=values.get("checked_on"))))
            if problems:
                raise SheetError(problems)
    except SheetError:
        raise
    return records



