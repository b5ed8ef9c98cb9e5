"""Listening: hearing the flow of appeals: matter matching (repeats, escalations over a body's head), the history import, and the signals of what is unusual.

May import: the lifecycle, the notices (the weekly signals email), the dashboard's facts and roll-ups, access,
the calendar, the models, agencies; api.py is an edge. matching.py imports only the models, the calendar,
agencies' choices and appeals.infra.handoff, since the lifecycle calls it.
"""
