"""Input rules: user names refuse control and text-direction characters; passwords follow NIST SP 800-63B
(length, a shipped list of common passwords, not repetitive, not the user name, not the one-time password);
an imported title with a NUL is refused; a spreadsheet that would unpack too far is refused before reading."""
import io
import re
import zipfile

import openpyxl
import pytest

from app.custody import accounts, imports
from app.custody.errors import ValidationError
from app.custody.models import Item, User
from tests import factories as f


@pytest.mark.parametrize("name", ["zhang\x00", "li\u202egnp.exe", "wang\u2066x", "two words", "tab\there"])
def test_user_names_refuse_control_and_direction_characters(site, name):
    with pytest.raises(ValidationError, match="cannot contain"):
        accounts.create_user(name, "a perfectly fine passphrase", ["operator"], by=None)
    assert User.select().count() == 0


@pytest.mark.parametrize("password, why", [
    ("short", "at least 10"), ("aaaaaaaaaa", "too common or too repetitive"),
    ("abababababab", "too common or too repetitive"), ("1234567890", "too common"), ("QwertyUIOP", "too common"),
    ("woaini1314520", "too common"), ("zhangsan-archive-2026", "user name"),
])
def test_passwords_follow_nist(site, password, why):
    with pytest.raises(ValidationError, match=why):
        accounts.create_user("zhangsan", password, ["operator"], by=None)


def test_the_one_time_password_cannot_be_kept(site):
    admin = f.user("administrator")
    user = f.user("operator", username="newbie")
    accounts.set_password(user, "one-time pass 7Qx", by=admin, must_change=True)
    with pytest.raises(ValidationError, match="different from the current"):
        accounts.set_password(User.get_by_id(user.id), "one-time pass 7Qx", by=User.get_by_id(user.id))
    accounts.set_password(User.get_by_id(user.id), "my own long passphrase", by=User.get_by_id(user.id))


def test_a_nul_in_an_imported_title_is_refused(site, tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text("编号,档号,题名,页数\nV00000001,J012-WS·2003-Y-0001,会议\x00纪要,277\n"
                    "V00000002,J012-WS·2003-Y-0002,合同\u202e协议,47\n", encoding="utf-8")
    result = imports.run_import(path, "items", filename="cat.csv")
    assert not result.ok and [e.line for e in result.errors] == [2, 3]
    assert "control or text-direction character" in result.errors[0].message
    assert Item.select().count() == 0


def _xlsx(rows: int) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "档号", "题名", "页数"])
    for n in range(rows):
        ws.append([f"V{n + 1:08d}", f"J012-{n}", "会议纪要", 10])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rewrite(data: bytes, name: str, change) -> bytes:
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info.filename, change(body) if info.filename == name else body)
    return out.getvalue()


def test_a_sheet_declaring_too_many_cells_is_refused_before_reading(site, tmp_path):
    data = _rewrite(_xlsx(3), "xl/worksheets/sheet1.xml",
                    lambda b: re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD1048576"', b))
    path = tmp_path / "huge.xlsx"
    path.write_bytes(data)
    result = imports.run_import(path, "items", filename="huge.xlsx")
    assert not result.ok and "more than 8,000,000 cells" in result.errors[0].message
    assert Item.select().count() == 0


def test_a_workbook_that_unpacks_too_far_is_refused_before_reading(site, tmp_path):
    # 300 MB of one repeated byte compresses to well under a megabyte (the finding: 4.2 MB → 4.2 GB)
    padding = b"<!--" + b"a" * (300 * 1024 * 1024) + b"-->"
    data = _rewrite(_xlsx(3), "docProps/app.xml", lambda b: b + padding)
    assert len(data) < 2 * 1024 * 1024
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(data)
    result = imports.run_import(path, "items", filename="bomb.xlsx")
    assert not result.ok and "unpacks to more than 256 MB" in result.errors[0].message


def test_an_ordinary_workbook_still_imports(site, tmp_path):
    path = tmp_path / "ok.xlsx"
    path.write_bytes(_xlsx(3))
    assert imports.run_import(path, "items", filename="ok.xlsx").ok
    assert Item.select().count() == 3
