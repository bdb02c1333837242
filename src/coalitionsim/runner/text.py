"""Text for printed tables and lists: a cell or line cut to a width ends in an ellipsis, never mid-number."""

from __future__ import annotations

ELLIPSIS = "…"


def cut(text: str, width: int) -> str:
    """``text`` if it fits ``width`` characters, else its first ``width - 1`` characters and '…'."""
    return text if len(text) <= width else text[:max(0, width - 1)].rstrip() + ELLIPSIS


#: above this median share of the plan on bought land, compare and the report name it (issue 26)
MOST_OF_THE_PLAN = 0.5


def bought_land_notes(summary) -> list[str]:
    """One sentence per form whose median ``bought_land_share`` is most of the plan: its homes then stand
    mostly on land the municipality had to buy (or expropriate) first, so its speed rests on those
    purchases, their credits and the owners' willingness to sell."""
    if "bought_land_share" not in summary or "form" not in summary:
        return []
    notes = []
    for form, share in summary.groupby("form", sort=False)["bought_land_share"].median().items():
        if share > MOST_OF_THE_PLAN:
            notes.append(f"{form}: a median {share:.0%} of the plan's homes stand on land the municipality did not "
                         "own at the start and had to buy or expropriate first (bought_land_share): most of the "
                         "plan rests on those purchases.")
    return notes
