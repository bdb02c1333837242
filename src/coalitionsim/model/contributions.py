"""Collective goods and free riding: who benefits from each area task, what each paid.

Fair share: a task's cost divided over the plots that benefit from it, by benefit weight (homes plus
non-residential floor space), "wie profiteert, betaalt" (NOVEX L1254–1256). Contributions arrive by:

- contract: plots in an SOK, GEM or tender award pay their fair share of one-off tasks at permit and of the
  recurring area organisation each quarter while they develop (with kettingbeding/erfpacht also after);
- kostenverhaal: developing owners outside a contract pay a per-home and per-m2 levy plus fonds
  bovenwijks at permit, for public works only (NOVEX L2452: "laat alle ontwikkelaars naar rato betalen");
- BIZ (non-residential owners) or a hypothetical GIZ (everyone), after a vote: ≥50% turnout, ≥2/3 in
  favour, supporters holding more property value than opponents; five years, then a new vote (the Wet
  BIZ rule as summarised in shared/research/tooling.md, source [NL9]; NOVEX L2453–2455);
- voluntary: the rest of the fair share asked each quarter, given by conditional co-operation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .area import Plot, Status, Task
from .ledger import AREA_FUND, OUTSIDE

if TYPE_CHECKING:
    from .agents.base import Owner
    from .agents.resident import Resident
    from .model import AreaDevelopmentModel

#: where a plot stands while its existing premises are still in use (before its construction starts)
IN_EXISTING_USE = frozenset({Status.HELD, Status.INITIATIVE, Status.AGREED, Status.PERMIT_PROCEDURE,
                             Status.PERMITTED, Status.STALLED})


class Contributions:
    def __init__(self, model: "AreaDevelopmentModel"):
        self.model = model
        area = model.area
        # the sub-areas whose existing use is not housing: their plots are non-residential property (BIZ)
        self._nonresidential = {s.name for s in model.scenario.subareas if s.existing_use != "housing"}
        # benefit shares are fixed by the area: plot weights and beneficiary sub-areas do not change
        self._share: dict[int, dict[int, float]] = {}
        for t in area.tasks:
            total = sum(area.benefit_weight(p) for p in area.plots if t.benefits(p)) or 1.0
            self._share[id(t)] = {p.plot_id: area.benefit_weight(p) / total for p in area.plots if t.benefits(p)}
        # a plot's fair share of the one-off tasks, and of the recurring ones per quarter (fixed by the area)
        self._one_off = {p.plot_id: sum(t.spec.cost * self.share(p, t) for t in area.tasks if not t.spec.recurring)
                         for p in area.plots}
        self._recurring = {p.plot_id: sum(t.spec.cost * self.share(p, t) for t in area.tasks if t.spec.recurring)
                           for p in area.plots}
        self._works = {p.plot_id: sum(t.spec.cost * self.share(p, t) for t in area.tasks
                                      if not t.spec.recurring and t.spec.kind == "public_works") for p in area.plots}
        self.paid_by_plot: dict[int, float] = {p.plot_id: 0.0 for p in area.plots}
        self.one_off_paid: dict[int, float] = {p.plot_id: 0.0 for p in area.plots}
        self.private_paid = 0.0  # by private owners
        self.public_paid = 0.0  # by the municipality, for its own land
        self.resident_paid = 0.0  # by resident groups
        self.voluntary_asked = 0.0  # this step
        self.voluntary_paid = 0.0  # this step
        self.voluntary_rates: list[float] = []
        self.biz_until = self.giz_until = -1  # in force until (exclusive)
        self.biz_next_vote = self.giz_next_vote = 0
        self.votes_held = 0

    # ------------------------------------------------------------ fair shares
    def share(self, plot: Plot, task: Task) -> float:
        """The plot's share of the task's cost (0 when it does not benefit)."""
        return self._share[id(task)].get(plot.plot_id, 0.0)

    def one_off_fair_share(self, plot: Plot) -> float:
        """The plot's fair share of the one-off tasks (without the public works when a land company paid
        them: its plot price carries them)."""
        return self._one_off[plot.plot_id] - (self._works[plot.plot_id] if plot.works_in_price else 0.0)

    def works_account(self) -> str:
        """Who pre-finances the public works, and so receives what recovers them (kostenverhaal, the
        works part of contract contributions and residents' asks): the municipality, or a land company."""
        return self.model.governance.works_payer().account

    def works_paid_by_company(self, task: Task, company: "Owner") -> None:
        """A land company paid a public work: each plot whose price carries the works has paid its fair
        share of it through the company (what the free-riding index and the funding gap count)."""
        for plot in self.model.area.plots:
            if plot.works_in_price and self.share(plot, task) > 0:
                part = task.spec.cost * self.share(plot, task)
                self.paid_by_plot[plot.plot_id] += part
                self.private_paid += part
                task.paid_by[company.unique_id] = task.paid_by.get(company.unique_id, 0.0) + part

    def kostenverhaal(self, plot: Plot) -> float:
        ins = self.model.scenario.instruments
        return plot.homes * (ins.kostenverhaal_per_home + ins.fonds_bovenwijks_per_home) + plot.nonres_m2 * ins.kostenverhaal_per_m2

    def due_at_permit(self, plot: Plot, owner: "Owner") -> float:
        """What the permit will cost in enforced contributions (0 once the permit is granted)."""
        if plot.step_permit is not None:
            return 0.0
        if plot.contract_contributions:
            # a contract fixes the full fair share of the one-off tasks; instalments already paid count
            return max(0.0, self.one_off_fair_share(plot) - self.one_off_paid[plot.plot_id])
        if self.model.scenario.instruments.kostenverhaal and owner.developing:
            return self.kostenverhaal(plot)
        return 0.0

    # ------------------------------------------------------------ enforced at permit
    def pay_at_permit(self, plot: Plot) -> bool:
        """The contributions due at permit leave the owner's account; False (the permit waits) when the
        owner cannot pay them."""
        owner = plot.owner
        amount = self.due_at_permit(plot, owner)
        if amount <= 1e-12:
            return True
        kind = "contract_contribution" if plot.contract_contributions else "kostenverhaal"
        private = owner is not self.model.municipality
        if private and owner.free_cash < amount - 1e-9:
            self.model.asks.record(owner, kind, amount, 0.0, plot=plot.plot_id)
            return False
        tasks = [t for t in self.model.area.tasks if not t.spec.recurring]
        if plot.contract_contributions:
            weights = [0.0 if plot.works_in_price and t.spec.kind == "public_works" else t.spec.cost * self.share(plot, t)
                       for t in tasks]
        else:  # kostenverhaal recovers public works only
            weights = [t.spec.cost if t.spec.kind == "public_works" else 0.0 for t in tasks]
        paid = self._pay(owner, plot, amount, tasks, weights, kind)
        if private:
            self.model.asks.record(owner, kind, amount, paid, plot=plot.plot_id)
        self.one_off_paid[plot.plot_id] += paid
        return True

    def _pay(self, owner: "Owner", plot: Plot, amount: float, tasks: list[Task], weights: list[float],
             kind: str) -> float:
        """Book a payment by the plot's owner, split over ``tasks`` by ``weights`` (one per task, 0 for a task
        not paid for): money for public works refunds the municipality that pre-finances them, the rest goes
        to the area fund for the tasks; returns what was paid."""
        m = self.model.municipality
        total = sum(weights)  # a task weighing 0 adds nothing: the sum is that of the tasks paid for
        if total <= 0 or amount <= 0:
            return 0.0
        # read once per payment, not per task (a plot pays on several tasks each quarter)
        municipal = owner is m
        transfer, account, uid = self.model.ledger.transfer, owner.account, owner.unique_id
        paid = 0.0
        works_account = None  # who receives the works money: asked once per payment (no transfer changes it)
        for t, weight in zip(tasks, weights):
            if weight <= 0:  # (its part would be <= 0 too: amount and total are > 0)
                continue
            part = amount * weight / total
            if part <= 0:
                continue
            works = t.spec.kind == "public_works"
            if municipal:
                # its own share of public works it already pays for itself; collective tasks from its budget
                if not works and not m.spend(part, "municipal_contribution", payee=AREA_FUND):
                    continue
            else:
                if works and works_account is None:
                    works_account = self.works_account()
                if not transfer(account, works_account if works else AREA_FUND, part, kind):
                    continue
            if not works:
                t.funds += part
            paid_by = t.paid_by
            paid_by[uid] = paid_by.get(uid, 0.0) + part
            paid += part
        if municipal:
            self.public_paid += paid
        else:
            self.private_paid += paid
        self.paid_by_plot[plot.plot_id] += paid
        return paid

    def resident_pays(self, resident: "Resident", task: Task, amount: float) -> None:
        """A resident group's payment reaches the task it was asked for."""
        works = task.spec.kind == "public_works"
        if self.model.ledger.transfer(resident.account, self.works_account() if works else AREA_FUND, amount,
                                      "resident_contribution"):
            task.resident_paid += amount
            task.resident_pending = max(0.0, task.resident_pending - amount)
            if not works:
                task.funds += amount
            self.resident_paid += amount

    # ------------------------------------------------------------ quarterly asks
    def ask_kind(self, plot: Plot) -> str | None:
        """How this quarter's ask to this plot binds: the ledger kind of an enforced payment, or None
        when it is voluntary."""
        owner = plot.owner
        step = self.model.steps
        if owner is self.model.municipality:
            return "municipal_contribution"
        if owner.pooled:
            return "contract_contribution"
        if step < self.giz_until:
            return "biz_charge"
        if step < self.biz_until and self.in_biz_zone(plot):
            return "biz_charge"
        if plot.contract_contributions and (plot.status != Status.COMPLETED or self.model.scenario.instruments.kettingbeding):
            return "contract_contribution"
        return None

    def enforced(self, plot: Plot) -> bool:
        """Whether this quarter's ask to this plot binds (otherwise it is voluntary)."""
        return self.ask_kind(plot) is not None

    def quarterly_round(self) -> None:
        """Step 6: ask every beneficiary its fair share of this quarter's needs; enforced asks are paid
        as far as the payer's money allows, voluntary ones by conditional co-operation."""
        m = self.model
        self._votes()
        needs: list[tuple[Task, float]] = []
        for t in m.area.tasks:
            if t.spec.recurring:
                t.funds = 0.0
                needs.append((t, t.spec.cost))
            elif t.spec.kind == "collective" and t.delivery_started is None:
                instalments = m.scenario.instruments.instalment_quarters
                # what residents still pay is not asked of the owners (unless they drop out)
                # nor what owners still owe of their enforced asks (their arrears)
                open_need = max(0.0, t.spec.cost - t.funds - t.resident_pending - m.asks.owed_on(t))
                needs.append((t, min(t.spec.cost / instalments, open_need)))
        self.voluntary_asked = self.voluntary_paid = 0.0
        asked_total = paid_total = 0.0
        short: dict = {}  # owner -> M€ of enforced asks it could not pay this quarter
        for owner in m.owners:
            if owner.asked is not None:
                owner.asked = 0.0  # kept until the next round: the owner's draagkracht is read against it
        # what every plot's ask is made of, worked out once a quarter rather than once per plot: the tasks
        # asked for, each with its need and its shares by plot, and which of them are one-off
        # (weights: a list in the order of the tasks, as _pay takes them)
        tasks = [t for t, _ in needs]
        need_shares = [(need, self._share[id(t)]) for t, need in needs]
        one_off_at = [i for i, t in enumerate(tasks) if not t.spec.recurring]
        withdrawn = Status.WITHDRAWN  # read once: an Enum member read costs ~0.2 µs on Python 3.11
        mun, asks = m.municipality, m.asks  # (read once: per plot below)
        owed_on_plot = asks.owed  # plot_id -> task index -> M€ (asks.owed_by, read per plot)
        for plot in m.area.plots:
            if plot.status == withdrawn:
                continue
            plot_id = plot.plot_id
            weights = [need * shares.get(plot_id, 0.0) for need, shares in need_shares]
            owner = plot.owner
            kind = self.ask_kind(plot)
            owed = owed_on_plot.get(plot_id)
            if owed and (kind is None or owner is mun):
                asks.release([plot])  # the claim lapsed with its enforcement
                owed = {}
            if owed:  # an enforced ask not paid is still owed
                for i, t in enumerate(tasks):
                    weights[i] += owed.get(t.index, 0.0)
            ask = sum(weights)
            if ask <= 1e-12:
                continue
            if owner.asked is not None:
                owner.asked += ask
            if owner is mun:
                want = min(ask, max(0.0, mun.budget_left))  # the council's budget is the limit
            elif kind is not None:
                want = min(ask, max(0.0, owner.free_cash))
                if want < ask - 1e-9:
                    short[owner] = short.get(owner, 0.0) + ask - want
            else:
                kind = "voluntary_contribution"
                self.voluntary_asked += ask
                meant = ask * owner.voluntary_rate()  # what it means to give (its payment does not change it)
                want = min(meant, max(0.0, owner.free_cash))
            paid = self._pay(owner, plot, want, tasks, weights, kind)
            if kind == "voluntary_contribution":
                self.voluntary_paid += paid
                # as far as it means to give: what it would give but cannot is willing but unable
                asks.record(owner, "voluntary", meant, paid, enforced=False, plot=plot_id)
            elif owner is not mun:
                asks.record(owner, kind, ask, paid, plot=plot_id)
                asks.carry_over(plot, {tasks[i].index: weights[i] for i in one_off_at}, paid / ask)
            asked_total += ask
            paid_total += paid
            if paid > 0:  # (nothing paid: no one-off share paid either)
                one_off = sum([weights[i] for i in one_off_at])
                if paid * one_off > 0:
                    self.one_off_paid[plot_id] += paid * one_off / ask
                    # what its permit still costs moved, so does its value to its owner (a land company's
                    # forecast, cached per quarter: agents.base.PlotSums)
                    owner.plot_changes.append(plot)
        for owner, amount in short.items():
            m.log("contribution", f"{owner.name} cannot pay its enforced contributions in full "
                  f"(€{amount:.2f} m short)", actor=owner.account, amount=amount)
        # the area organisation spends what it collected this quarter
        for t in m.area.tasks:
            if t.spec.recurring and t.funds > 0:
                m.ledger.transfer(AREA_FUND, OUTSIDE, t.funds, "task_delivery")
        # co-operators see what the others paid in all, enforced payments included: enforcement sustains
        # voluntary giving (as punishment does in public-goods experiments, Fehr & Gächter 2000)
        observed = paid_total / asked_total if asked_total > 0 else 1.0
        for owner in m.owners:
            owner.observe_contributions(observed)
        if self.voluntary_asked > 0:
            self.voluntary_rates.append(self.voluntary_paid / self.voluntary_asked)

    @property
    def voluntary_contribution_rate(self) -> float:
        return self.voluntary_paid / self.voluntary_asked if self.voluntary_asked > 0 else float("nan")

    def in_biz_zone(self, plot: Plot) -> bool:
        """Whether a BIZ binds the plot: it is non-residential property (003 L2453–2454; the statutory duty
        does not extend to housing, L1581), its existing use is not housing and its premises stand until
        its redevelopment starts. Whoever owns it, a passive owner or a developer that bought it, votes and
        pays."""
        return plot.subarea in self._nonresidential and plot.status in IN_EXISTING_USE

    def _votes(self) -> None:
        """BIZ among the owners of non-residential property, GIZ among all private owners, when the
        scenario allows."""
        ins = self.model.scenario.instruments
        step = self.model.steps
        term = ins.biz_term_quarters
        if ins.biz and step >= self.biz_next_vote:
            if self._vote(self._property_value(self.in_biz_zone), "BIZ"):
                self.biz_until = self.biz_next_vote = step + term
            else:
                self.biz_next_vote = step + term // 2  # a rejected proposal may come back later
        if ins.giz and step >= self.giz_next_vote:
            if self._vote(self._property_value(lambda plot: True), "GIZ"):
                self.giz_until = self.giz_next_vote = step + term
            else:
                self.giz_next_vote = step + term // 2

    def _property_value(self, counts: Callable[[Plot], bool]) -> dict["Owner", float]:
        """The private owners of the plots that count, with the inbrengwaarde they hold there: the voters
        of a BIZ/GIZ (an owner that has sold all its land there has no vote)."""
        m = self.model
        value: dict = {}
        for plot in m.area.plots:
            if plot.owner is not m.municipality and counts(plot):
                value[plot.owner] = value.get(plot.owner, 0.0) + plot.existing_use_value
        return value

    def _vote(self, value: dict["Owner", float], label: str) -> bool:
        voters = [o for o, v in value.items() if v > 0]
        if not voters:
            return False
        self.votes_held += 1
        streams = self.model.streams
        # turnout draws are keyed per vote and voter, so one owner's vote never shifts another's
        cast = [o for o in voters
                if streams.keyed("votes", self.votes_held, o.unique_id).random() < 0.4 + 0.6 * o.draagvlak]
        favour = [o for o in cast if o.draagvlak + 0.3 * (o.belief - 0.5) >= self.model.scenario.behaviour.willing_threshold]
        against = [o for o in cast if o not in favour]
        passed = (
            len(cast) >= 0.5 * len(voters)
            and len(favour) >= 2 / 3 * len(cast)
            and sum(value[o] for o in favour) > sum(value[o] for o in against)
        )
        self.model.log("vote", f"{label} vote: {len(favour)} for, {len(against)} against, turnout {len(cast)}/{len(voters)} — "
                       + ("adopted" if passed else "rejected"))
        return passed

    # ------------------------------------------------------------ metrics
    def fair_share_incurred(self, plot: Plot) -> float:
        """The plot's fair share of the costs so far: the one-off tasks, and the recurring ones for every
        quarter up to now."""
        return self._one_off[plot.plot_id] + self.model.steps * self._recurring[plot.plot_id]

    def private_plots(self) -> list[Plot]:
        return [p for p in self.model.area.plots if p.owner is not self.model.municipality]

    def free_riding_index(self) -> float:
        fair = shortfall = 0.0
        for p in self.private_plots():
            f = self.fair_share_incurred(p)
            fair += f
            shortfall += max(0.0, f - self.paid_by_plot[p.plot_id])
        return shortfall / fair if fair > 0 else 0.0

    def free_rider_share(self) -> float:
        """Share of private beneficiary owners who paid under half their fair share."""
        fair: dict[int, float] = {}
        paid: dict[int, float] = {}
        for p in self.private_plots():
            key = p.owner.unique_id
            fair[key] = fair.get(key, 0.0) + self.fair_share_incurred(p)
            paid[key] = paid.get(key, 0.0) + self.paid_by_plot[p.plot_id]
        owners = [k for k, f in fair.items() if f > 0]
        return sum(paid[k] < 0.5 * fair[k] for k in owners) / len(owners) if owners else 0.0

    def total_cost(self) -> float:
        """The area tasks' cost so far: a one-off task's once, a recurring one's for every quarter up to now
        (each quarter for the step series: a list, no call per task)."""
        steps = self.model.steps
        return sum([t.spec.cost * (steps if t.spec.recurring else 1) for t in self.model.area.tasks])

    def funding_gap(self) -> float:
        """Area-task cost so far not covered by private contributions, owners' and residents' (M€)."""
        return max(0.0, self.total_cost() - self.private_paid - self.resident_paid)
