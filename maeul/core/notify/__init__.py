"""Notification logic without I/O: escalation steps, recipients, quiet hours, storm control, texts, back-off."""
