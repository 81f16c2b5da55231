"""The target's endpoints as the suites use them: login, the protected endpoint, refresh, and the
failed-login budget that keeps real accounts safe.

May import: http/, jwt/, profile, pointer.
"""
