"""The media register's refusals (the core's errors cover the rest)."""
from ..errors import N_, CustodyError
from .rules import LoanRequiredError

__all__ = ["BorrowerNotPermittedError", "CountNotExplainedError", "EndedError", "LoanRequiredError",
           "NotRegisteredError", "OnLoanError", "RepairNotApprovedError"]


class NotRegisteredError(CustodyError):
    code = "not_registered"
    status = 404
    template = N_("%(code)s is not in the media register.")


class OnLoanError(CustodyError):
    code = "on_loan"
    status = 409
    template = N_("%(code)s is on loan to %(holder)s: it cannot be lent again before it is returned.")


class BorrowerNotPermittedError(CustodyError):
    code = "borrower_not_permitted"
    status = 403
    template = N_("%(name)s is not among the people the site permits to borrow media.")


class EndedError(CustodyError):
    code = "ended"
    status = 409
    template = N_("%(code)s has reached its end (%(end)s): nothing more can be done with it.")
    translatable = ("end",)


class RepairNotApprovedError(CustodyError):
    code = "repair_not_approved"
    status = 422
    template = N_("Sending out for repair needs a written approval record, its approver and a supervising "
                  "person of the archive department.")


class CountNotExplainedError(CustodyError):
    code = "count_not_explained"
    status = 422
    template = N_("Every difference must be explained before the count is closed: %(codes)s.")
