"""The handover area's typed refusals."""
from ..errors import N_, ConflictError, NotAllowedError, NotFoundError, ValidationError


class HandoverNotFound(NotFoundError):
    code = "unknown_handover"
    template = N_("Unknown handover: %(number)s")


class BatchNotFound(NotFoundError):
    code = "unknown_batch"
    template = N_("Unknown batch: %(number)s")


class NotInBatchError(ValidationError):
    code = "not_in_batch"
    template = N_("%(code)s is not in batch %(batch)s.")


class AlreadyHandedOverError(ConflictError):
    code = "already_handed_over"
    template = N_("%(code)s is not in storage: it is already out or handed over.")


class NotHandedOverError(ConflictError):
    code = "not_handed_over"
    template = N_("%(code)s is not with the service organisation: it cannot be handed back.")


class UnresolvedDifferencesError(ConflictError):
    code = "unresolved_differences"
    template = N_("%(count)d differences are not resolved yet: correct them, or note and accept them.")


class SamePersonError(NotAllowedError):
    code = "same_person"
    status = 422
    template = N_("The same person cannot confirm both sides of a handover.")


class WrongOrganisationError(NotAllowedError):
    code = "wrong_organisation"
    status = 422
    template = N_("%(name)s is not staff of the archive department: they cannot act for this side.")

    SERVICE = N_("%(name)s is not staff of the service organisation: they cannot act for this side.")


class HandoverClosedError(ConflictError):
    code = "handover_confirmed"
    template = N_("Handover %(number)s is confirmed and cannot change: make a correction instead.")


class HandoverLockedError(ConflictError):
    code = "handover_locked"
    template = N_("Handover %(number)s is already confirmed by one side: its lines cannot change.")


class AlreadyConfirmedError(ConflictError):
    code = "already_confirmed"
    template = N_("This side of handover %(number)s is already confirmed.")


class NoPersonError(NotAllowedError):
    code = "no_person"
    status = 422
    template = N_("Your account is not linked to a person: it cannot scan or confirm a handover.")
