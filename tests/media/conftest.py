"""Fixtures of the media register: a security officer, an archive-department keeper, a permitted borrower."""
import pytest

from app.custody import accounts, media
from tests import factories


@pytest.fixture
def people(site):
    """officer (security officer's account), keeper (archivist, archive dept), borrower (supervisor account)."""
    officer = factories.user("security_officer")
    keeper = factories.person(name="保管员 王", org_kind="archive")
    archivist = accounts.create_user("keeper1", factories.PASSWORD, ["archivist"], by=None, person=keeper)
    borrower_person = factories.person(name="项目负责人 李")
    borrower = accounts.create_user("borrower1", factories.PASSWORD, ["supervisor"], by=None,
                                    person=borrower_person)
    approver = factories.person(name="档案部门 张", org_kind="archive")
    return {"officer": officer, "keeper": keeper, "archivist": archivist, "borrower": borrower,
            "approver": approver}


@pytest.fixture
def usb(people):
    """A registered USB drive in cabinet KF-A-01, kept by the keeper."""
    return media.register(category="usb_drive", serial_no="SN-USB-001", make="Kingston", capacity="64 GB",
                             keeper=people["keeper"], cabinet="KF-A-01", user=people["officer"])
