"""OpenAPI: the target's document (loading, validating, matching exchanges) and the seeded fuzzer.

May import: http/, endpoints/, profile.
"""
