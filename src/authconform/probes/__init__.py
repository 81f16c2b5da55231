"""Statistical and pattern probes the security suite runs: login timing and error-body leaks.

May import: http/.
"""
