"""The CI gate: waivers (accepted failures with expiry), baseline gating (fail only on new failures),
the evidence bundle (signed manifest, verify), and the plugin hooks that wire them into a run.

May import: run, profile, checks, report/. (report/summary imports gate/waivers for the waived outcome.)
"""
