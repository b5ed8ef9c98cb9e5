"""The supervisors' dashboard: indicators, roll-ups, charts, signals and the league table.

facts.py     what each appeal (and each audit event) contributes to which day: the one definition
rollups.py   the daily and monthly roll-up tables: build and rebuild them
source.py    a subtree's readings: the roll-ups merged with the live days, the history kept in the cache
measures.py  the indicators of a period for an agency subtree, its branches and its staff
(the signals of what is unusual live in appeals.listening.signals)
charts.py    server-rendered SVG charts
periods.py   the period form (week, month, quarter, year, custom) and the previous period
html.py      the tables' rows and the signals' items, written in Python for the templates
views.py     the dashboard's pages (an edge, like appeals.views)

May import: appeals.access, appeals.calendar, appeals.models, appeals.listening (signals, describe), agencies;
views.py also the lifecycle and the desk's pages. The lifecycle imports rollups.py only (rollups_reassign).
"""
