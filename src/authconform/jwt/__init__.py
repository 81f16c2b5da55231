"""Tokens: reading and checking JWTs, forging them for attacks, and the weak-secret word list.

May import: http/ (redaction), pointer.
"""
