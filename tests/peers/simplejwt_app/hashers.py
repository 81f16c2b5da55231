"""Django's own PBKDF2 hasher with fewer iterations: real hashing, fast enough for a test run."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class TestPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2-SHA256 as Django ships it, at 20 000 iterations instead of 1 000 000 (a few ms a login)."""

    iterations = 20_000
