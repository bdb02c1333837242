"""Publiek kader, organische ontwikkeling (public framework, organic): the framework only; each owner
develops its own plot when its business case works, through its own procedure under the frame ("deze
situatie vraagt om een uitwerking", NOVEX L2037–2043); nobody can block and nobody has to act. Area tasks
beyond public works depend on voluntary contributions (NOVEX L2170–2174, L2452–2455)."""

from __future__ import annotations

from ..land import TenderPool
from .base import GovernanceForm, register


@register
class FrameworkOrganic(GovernanceForm):
    name = "framework_organic"
    title = "publiek kader, organisch (public framework, organic)"

    def setup(self) -> None:
        m = self.model
        self.pool = TenderPool(self)
        # the frame gives no plot a right: each initiative is worked out on its own (NOVEX L2037–2043);
        # the municipality issues its own land (in this form's scope) by tender. A form that takes plots over
        # after a review (``review.py``) under a frame already in force needs no new one.
        def issue_own() -> None:
            self.pool.add([p for p in self.scope if p.owner is m.municipality])

        if m.frame_in_force:
            issue_own()
        else:
            self.adopt_frame("ontwikkelkader (framework)", then=issue_own)

    def step(self) -> None:
        self.pool.step()
