"""The process flow sheet (流程单): the site's steps, devices, step scans, sheets, assignments, the board.

Public surface (the functions in `services` and `board`):

    definitions, define_step, install_defaults, get_step     — the site's steps (DA/T 31-2017 defaults)
    register_device, change_device, get_device               — scanners, cameras, PCs (items of kind device)
    record_step                                              — start / finish / pass / fail / skip, idempotent
    sheet, assign, assigned_to                               — the sheet of a volume, task assignment
This module imports nothing eagerly, so app.custody.models can re-export ProcessStep from here.
"""
