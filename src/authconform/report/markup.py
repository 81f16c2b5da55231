"""HTML escaping for every page the harness writes (report.html's cells, the exchange panes, compare.html).

One function, so the rule (None shows as nothing, everything else as its escaped text, quotes
included, since values land inside attributes too) cannot drift between writers.
"""

from __future__ import annotations

import html
from typing import Any


def esc(text: Any) -> str:
    """``text`` safe inside an HTML element or a quoted attribute; None is the empty string."""
    return html.escape("" if text is None else str(text))
