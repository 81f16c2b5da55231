"""Real third-party login servers, run on loopback as fixtures for tests/test_peers.py.

Each server is the smallest app its framework's documentation describes, started in a subprocess
by :func:`tests.peers.launch.start`; it prints one JSON line with its URL and the environment its
built-in profile reads (accounts, keys), then serves until it is stopped.
"""
