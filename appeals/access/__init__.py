"""Who sees what: the reads every page, export and API view builds on, and the masking of personal data.

selectors.py      `appeals_visible_to(user)` (the access rule: membership, a supervisor's subtree) and the reads
                  built on it (queues, search, the digest's and the outbox's reads)
personal_data.py  who sees an applicant's IIN/BIN, phone and address in full; the masks
integrations.py   the integrations' tokens, scopes, webhook endpoints and what a token may see
routes.py         the categories and their routes as every intake reads them (kept per process and rosters' version)

May import: appeals.models, appeals.calendar, appeals.infra, agencies (models, selectors). Never the lifecycle,
notices, the desk, pages or the API (tests/test_layering.py).
"""
