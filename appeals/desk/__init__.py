"""What the desk's pages need, apart from the views themselves (those are in appeals.views).

queues.py      the queue presets (My appeals, Overdue…), their capped counts, the desk's agency switch
filters.py     AppealFilterSet: one set of filters for the queue pages, the exports and the API
rows.py        queue rows drawn in Python (fast for long lists); presenters.py: deadlines, statuses, timeline
widgets.py     the filter panel's fields; forms.py: the pages' forms
saved_views.py saved filters and sort; canned.py: canned responses and their placeholders
rosters.py     the short-lived cache of staff, agency and category reads; pagination.py: capped counts

May import: appeals.lifecycle (its rules and errors), appeals.access, appeals.calendar, appeals.models, agencies.
Never the notices, pages, the API, the admin or the tasks.
"""
