"""Shared helpers of the people tests: a fully vetted record for a person."""
from datetime import timedelta

from app.custody import clock, people

ALL_ITEMS = ("identity", "no_criminal_record", "labour_contract", "confidentiality", "training")


def vet_fully(person, *, skip=(), by=None, hours=40):
    """Record every vetting item except those in skip (dated 5 days before the test's instant)."""
    day = clock.now().date() - timedelta(days=5)
    for item in ALL_ITEMS:
        if item in skip:
            continue
        people.record_vetting(person, item, done_on=day, reference=f"REF-{item}",
                                hours=hours if item == "training" else None, by=by)
