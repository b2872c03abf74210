"""The media register (DESIGN: media/): register, loans, counts, seals and port unsealings, repairs, the end.

Public surface: the service functions in `services` (one per state change), the code sets in `codes`,
the models in `models`. This module imports nothing eagerly, so app.custody.models can re-export
MediaLoan from here without an import cycle.
"""


def acceptance_open(limit: int = 10) -> tuple[int, list[tuple[str, str]]]:
    """For the special security acceptance: how many register entries have no end state (no residual
    check for equipment), and up to `limit` of them as (code, "category · serial")."""
    from . import codes, services

    rows, open_ = services.reconciliation()
    examples = [(record.item.code, f"{codes.CATEGORIES.msgid(record.category)} · {record.item.serial_no}")
                for record, end in rows if end is None][:limit]
    return open_, examples
