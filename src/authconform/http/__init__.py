"""The HTTP layer: the run's one client, the exchanges it records, and redaction of what they carry.

May import: nothing of authconform above it (profile types only through duck typing).
"""
