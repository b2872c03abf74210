"""A medium's loan period, judged by the clock at two instants the test sets (TEST_NOW and a year
after it): the clock is moved past the due time, not waited for, and check_due() reads it."""
from datetime import timedelta

import pytest

from app.custody import clock, media
from app.custody.models import Alert
from tests.clock import TEST_NOW, at

INSTANTS = {"test_now": TEST_NOW, "a_year_ahead": TEST_NOW + timedelta(days=366)}


@pytest.mark.parametrize("instant", list(INSTANTS.values()), ids=list(INSTANTS))
def test_loan_is_overdue_once_the_clock_passes_its_due_time(request, database, instant):
    with at(instant):  # the people, their badges and the medium are made at this instant
        people, usb = request.getfixturevalue("people"), request.getfixturevalue("usb")
        media.lend(usb.item, borrower=people["borrower"].person, reason="拷贝扫描影像",
                      due_at=clock.now() + timedelta(hours=4), approved_by=people["approver"],
                      actor=people["keeper"], user=people["archivist"])
    with at(instant + timedelta(hours=3, minutes=59)):
        assert media.check_due()["medium_overdue"] == 0
    with at(instant + timedelta(hours=4, minutes=1)):
        assert media.check_due()["medium_overdue"] == 1
    [alert] = Alert.select().where(Alert.kind == "medium_overdue")
    assert (alert.item_id, alert.person_id, alert.opened_at) == (
        usb.item_id, people["borrower"].person.id, instant + timedelta(hours=4, minutes=1))
