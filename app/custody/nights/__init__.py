"""Nights: the site calendar (working hours, holidays, cutoff — calendar.py), the night rule's settings
(rule.py), the nightly sweep (sweep.py), the supervisors' alert board (board.py) and the overnight
report (report.py). Import the module you need: `from app.custody.nights import calendar, sweep`.
"""
