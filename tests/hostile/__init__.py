"""Small loopback servers that misbehave on purpose, for the harness's own hostile-target tests.

``server`` is a raw socket HTTP server whose every answer is written by a behaviour (so it can
drip, hang, reset or lie); ``behaviours`` holds the misbehaviours; ``proxy`` sits in front of a
reference target and records what it saw; ``leaks`` searches a run's artifacts for secrets.
"""
