"""Text for printed tables and lists: a cell or line cut to a width ends in an ellipsis, never mid-number."""

from __future__ import annotations

ELLIPSIS = "…"


def cut(text: str, width: int) -> str:
    """``text`` if it fits ``width`` characters, else its first ``width - 1`` characters and '…'."""
    return text if len(text) <= width else text[:max(0, width - 1)].rstrip() + ELLIPSIS
