"""Report writers: summary.json and the terminal verdict, SARIF, report.html and its exchange panes,
the compare matrix, and the requirement links they all show.

Every writer reads the run's results model (:mod:`.results`: one ``RunResult``, the failing
outcomes, the reason rule) and escapes HTML through :mod:`.markup`; none reads the run's machinery.
May import: http/ (exchanges, redaction), checks.
"""
