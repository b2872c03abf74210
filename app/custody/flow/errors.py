"""The flow sheet's typed refusals."""
from ..errors import N_, ConflictError, NotAllowedError, NotFoundError, ValidationError


class StepNotFound(NotFoundError):
    code = "unknown_step"
    template = N_("Unknown process step: %(step)s")


class DeviceNotFound(NotFoundError):
    code = "unknown_device"
    template = N_("Unknown device: %(code)s")


class StepOutOfOrderError(ConflictError):
    code = "step_out_of_order"
    template = N_("%(code)s cannot start %(step)s yet: %(missing)s is not done.")


class StepStateError(ConflictError):
    code = "step_state"
    template = N_("%(code)s: %(step)s is %(state)s.")


class DeviceNotInServiceError(NotAllowedError):
    code = "device_not_in_service"
    status = 409
    template = N_("Device %(device)s is not in service (%(status)s).")


class DeviceElsewhereError(NotAllowedError):
    code = "device_elsewhere"
    status = 409
    template = N_("Device %(device)s is not at this workstation (%(location)s).")


class DeviceNeededError(ValidationError):
    code = "device_needed"
    template = N_("%(step)s needs a device: scan the device's label.")


class CountNeededError(ValidationError):
    code = "count_needed"
    template = N_("%(step)s needs the count (%(unit)s).")


class NotYourOrganisationError(NotAllowedError):
    code = "not_your_organisation"
    template = N_("%(code)s is held by %(organisation)s, not by your organisation.")


class SkipNotAllowedError(NotAllowedError):
    code = "skip_not_allowed"
    template = N_("%(step)s may not be skipped without a supervisor's permission.")
