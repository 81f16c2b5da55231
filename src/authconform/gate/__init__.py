"""The CI gate: waivers (accepted failures with expiry), baseline gating (fail only on new failures),
the evidence bundle (signed manifest, verify), and the plugin hooks that wire them into a run.

May import: run, profile, checks, report/. Nothing in report/ imports gate/: what the gate decided reaches
the writers through the results model (verdict.conclude puts it on RunResult and CheckResult).
"""
