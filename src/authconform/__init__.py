"""authconform: a conformance test harness for login and token HTTP APIs."""

__version__ = "0.1.0"
