"""Kazakhstan's working days and the statutory terms counted on them.

workdays.py   the working calendar: the `holidays` package plus the admin's CalendarOverride day-moves
policy.py     the terms of settings.APPEAL_POLICY turned into due dates (registration, redirects, extensions,
              a complaint's forwarding, reminders)
overrides.py  saving and deleting an override (the calendar is rebuilt at once), the autumn warning

May import: appeals.models only (CalendarOverride). Everything above reads the calendar from here.
"""
