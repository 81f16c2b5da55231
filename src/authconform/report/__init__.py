"""Report writers: summary.json and the terminal verdict, SARIF, report.html and its exchange panes,
the compare matrix, and the requirement links they all show.

May import: http/ (redaction), checks.
"""
