"""Generated data: the demo (`make run`, `manage.py seed_demo`) and the national dataset of the benchmarks.

demo.py      the demo's agencies, staff, categories and a year of appeals with their story
national.py  about 3 000 agencies, 30 000 staff and up to a million appeals, written in bulk

May import: the lifecycle, matching, the calendar, the models, agencies. Never pages, the API or the tasks;
used by management commands, tests and benchmarks.
"""
