"""Listening: hearing the flow of appeals: matter matching (repeats, escalations over a body's head), the history import, and the signals of what is unusual."""
