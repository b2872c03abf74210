"""Nights: the site calendar (working hours, holidays, cutoff), the nightly sweep, the board and report."""
