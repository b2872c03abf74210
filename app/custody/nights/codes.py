"""The nights area's stored codes and their names (working-hours weekdays, sweep runs)."""
from app.custody.vocab import N_, Codes

# the keys of Site.working_hours, Monday first (date.weekday() indexes this)
WEEKDAYS = Codes("weekday", mon=N_("Monday"), tue=N_("Tuesday"), wed=N_("Wednesday"), thu=N_("Thursday"),
                 fri=N_("Friday"), sat=N_("Saturday"), sun=N_("Sunday"))
SWEEP_STATUSES = Codes("sweep_status", running=N_("Running"), done=N_("Done"), skipped=N_("Skipped"))
SWEEP_TRIGGERS = Codes("sweep_trigger", scheduler=N_("scheduler"), cli=N_("command line"))
