"""What keeps the project from acceptance on the handover side, and the lists for the completion bundle."""
from peewee import fn

from .models import Batch, BatchItem, Handover, HandoverLine, QuarantineRecord


def acceptance_open(limit: int = 20) -> tuple[int, list[tuple[str, str]]]:
    """Batches with volumes handed over and not back, lists with unresolved differences, open quarantines.

    Returns (how many, up to `limit` of them as (number or code, short plain text)).
    """
    from .lists import unresolved

    found: list[tuple[str, str]] = []
    for batch_number, count in (BatchItem.select(Batch.number, fn.COUNT(BatchItem.id))
                                .join(Batch).where(BatchItem.stage == "handed_over")
                                .group_by(Batch.number).order_by(Batch.number).tuples()):
        found.append((batch_number, f"{count} volumes handed over, not back"))
    drafts = (Handover.select().where(Handover.status == "draft")
              .where(Handover.id.in_(HandoverLine.select(HandoverLine.handover))).order_by(Handover.id))
    for handover in drafts:
        count = len(unresolved(handover))
        if count:
            found.append((handover.number, f"{count} unresolved differences"))
    for record in (QuarantineRecord.select().where(QuarantineRecord.status == "open").order_by(QuarantineRecord.id)):
        found.append((record.item.code, "quarantined (secrecy mark), not handed back"))
    return len(found), found[:limit]


def bundle_documents():
    """Every confirmed handover list in duplicate, for the completion bundle: (path, PDF bytes)."""
    from .pdf import handover_pdf

    for handover in Handover.select().where(Handover.status == "confirmed").order_by(Handover.id):
        yield f"handovers/{handover.number}.pdf", handover_pdf(handover)
