"""The process flow sheet (流程单): the site's steps, devices, step scans, sheets, assignments, the board.

Public surface, by module:

    services     definitions, define_step, install_defaults, get_step — the site's steps (DA/T 31-2017 defaults);
                 record_step (start / finish / pass / fail / skip, idempotent), record_station_step; sheet
    devices      register_device, import_devices, change_device, get_device, location — scanners, cameras, PCs
    assignments  assign, assign_named, assigned_to, open_assignments, batch_codes — task assignment
    board        step_counts, oldest, output — the work-in-progress board
    rules        pure predicates: order, organisations, counts that disagree, the sheet's order (interleave)
This module imports nothing eagerly, so app.custody.models can re-export ProcessStep from here.
"""
