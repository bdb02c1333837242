"""AreaDevelopmentModel: the Mesa model of one area developed under one governance form."""

from __future__ import annotations

import math
from typing import NamedTuple

import mesa
import numpy as np

from .acquisition import Acquisition
from .agents.base import Actor, Owner, clip01
from .agents.corporation import Corporation
from .agents.developer import Developer
from .agents.landowner import Landowner
from .agents.municipality import Municipality
from .agents.resident import Resident
from .agents.rijk import Rijk
from .area import Area, Plot, Status, Task
from .asks import Asks, reason_of
from .contributions import Contributions
from .development import construction_quarters, investment, margin_at_cost, mean_required_margin, revenue, sale_price
from ..scenario import Scenario
from .governance import make_form
from .governance.review import Review
from .ledger import AREA_FUND, OUTSIDE, Ledger
from .landmarket import LandMarket
from .market import Market
from .metrics import StepCollector
from .streams import Streams
from .use_phase import UsePhase

GROUPS = ("municipality", "developers", "corporations", "owners", "residents", "rijk")

# statuses the per-plot loops of every quarter test, as constants: an Enum member read (``Status.HELD``)
# costs ~0.2 µs on Python 3.11, and these loops run over every plot each quarter
_DECIDING = (Status.HELD, Status.AGREED, Status.PERMITTED, Status.STALLED)  # an owner decides on these
_STARTED = (Status.CONSTRUCTION, Status.COMPLETED)
_WITH_RIGHT = (Status.AGREED, Status.PERMIT_PROCEDURE, Status.PERMITTED, Status.STALLED)  # may sell in advance


class Event(NamedTuple):
    """One line of the event log (``events.parquet``): what happened, to whom, on which plot, for how much."""

    quarter: int
    kind: str
    text: str
    actor: str | None = None  # the ledger account of the actor concerned
    plot: int | None = None
    amount: float | None = None  # M€, where money is involved


def new_seed() -> int:
    """A fresh seed drawn from OS entropy, so that even an unseeded run is recorded and repeatable."""
    return int(np.random.SeedSequence().generate_state(1)[0])


class AreaDevelopmentModel(mesa.Model):
    """One area, one governance form, one seed; a step is one quarter.

    Args:
        scenario: the validated scenario (default: the embedded reference area).
        form: governance form name (default: ``scenario.simulation.form``).
        seed: integer seed for ``model.random`` and ``model.rng`` (default: drawn and recorded).
    """

    def __init__(self, scenario: Scenario | None = None, form: str | None = None, seed: int | None = None):
        seed = new_seed() if seed is None else int(seed)
        super().__init__(seed=seed)
        self.seed = seed
        self.streams = Streams(seed)  # one stream per random process (model.random is Mesa's own)
        self.scenario = scenario or Scenario()
        self.form_name = form or self.scenario.simulation.form
        self.events: list[Event] = []
        self.speculation = 0.0
        # the quarter from which the voorkeursrecht is in force: the scenario's, or a council's review vests it
        # earlier (governance/review.py)
        self.voorkeursrecht_step: int | None = self.scenario.instruments.voorkeursrecht_quarter
        self.objections = 0
        self.delay_quarters_objections = 0
        self.homes_started_step = 0
        self.homes_permitted_step = 0
        self.homes_started_total = 0  # homes whose construction started so far
        self._actors_key: tuple[int, int, int] | None = None
        self.absorbed_step = 0  # market homes sold this quarter
        self.compensation_paid = 0.0
        self.negotiations_opened = 0
        self.backloops = 0
        self.dropouts = 0
        self.deferrals = 0  # quarters a land obligation was deferred (exits.py), summary `deferrals`
        self.households_dropped = 0
        self._build_time: dict[int, int] = {}  # plot id -> construction quarters
        # the margin the market's builders ask (development.mean_required_margin): fixed for the run, as the
        # scenario is; read by every forecast of a plot's price (~1,500 a run)
        self.market_margin = mean_required_margin(self)

        self.ledger = Ledger(self)
        self.asks = Asks(self)  # what each form asks of whom and when, and the drop-outs it causes
        self.ledger.open(AREA_FUND)  # the gebiedsfonds: collected contributions for the collective tasks
        self.acquisition = Acquisition(self)  # the municipality's purchases, credits and expropriations
        self.market = Market(self.scenario.market, self.streams["market"])
        self.municipality = Municipality(self)
        self.rijk = Rijk(self)
        self.owners: list[Owner] = [self.municipality]
        self.area = self._build_area()
        self.residents = self._build_residents()
        self.residents_by_subarea = {name: [r for r in self.residents if r.subarea == name] for name in self.area.subareas}
        self.frame_in_force = False  # a plan or ontwikkelkader that initiatives are judged against
        self.building_in: set[str] = set()  # sub-areas with construction this quarter
        self.just_delivered: dict[str, int] = {}  # sub-area -> tasks delivered last quarter
        self.contributions = Contributions(self)
        self.use_phase = UsePhase(self)
        self._ask_residents()
        self.governance = make_form(self.form_name, self)
        self.land_market = LandMarket(self)
        self.governance.setup()
        self.review = Review(self)  # the municipality's reviews of stalled arrangements (governance/review.py)
        self.datacollector = StepCollector()
        self.datacollector.collect(self)

    # ================================================================ the quarter (design section 5)
    def step(self) -> None:
        self.homes_started_step = self.homes_permitted_step = 0  # per-quarter flows
        # 0. the services of the plots completed by now (beheer en exploitatie): first, so that the value they
        #    cost the area holds all quarter (the owners' cached sums are read against it)
        self.use_phase.step()
        self.exogenous()  # 1. market, shocks, Rijk budget rounds, elections; interest on debts
        self.governance.talk()  # 2. negotiation rounds within the municipality's one budget of talks,
        self.governance.step()  #    the form's own procedure,
        self.governance.step_reopened()
        self.review.step()  #    the council's review of stalled arrangements, and the forms that took over
        self.land_market.step()  #    and the private land market,
        self.acquisition.step()  #    and purchases waiting for a credit, expropriation of refusing owners
        self.residents_update()  # 3. support, capacity, compensation; objections are filed with procedures
        self.owners_decide()  # 4. start, continue, pause or withdraw
        self.municipality.process_work()  # 5. plans and permits within staff capacity; enforced contributions
        self.contributions.quarterly_round()  # 6. voluntary and enforced contributions
        self.deliver_tasks()  # 7. collective tasks, uplift and gates
        self.trust_and_dropouts()  # 8. trust, drop-outs
        self.ledger.check_floors()  # (every account below its floor is in the event log)
        self.asks.note_quarter()  # who was asked this quarter, and who of them could not carry it
        self.datacollector.collect(self)  # 9. data collection

    # ================================================================ set-up
    def _build_area(self) -> Area:
        s = self.scenario
        own = s.ownership
        setup = self.streams
        plots: list[Plot] = []
        for sub in s.subareas:
            for _ in range(sub.plots):
                plots.append(Plot(plot_id=len(plots), subarea=sub.name, homes=sub.homes_per_plot,
                                  nonres_m2=sub.nonres_m2_per_plot, existing_use_value=0.0,
                                  owner=self.municipality, social_share=s.programme.social_share,
                                  mid_share=s.programme.mid_share))
        n = len(plots)
        order = [int(i) for i in setup.keyed("setup", "allocation").permutation(n)]
        n_mun = round(n * own.municipal_land_share)
        n_corp = round(n * own.corporation_land_share)
        n_pass = round(n * own.passive_land_share)
        n_dev = n - n_mun - n_corp - n_pass
        developers = [Developer(self, d) for d in own.developers]
        corporations = [Corporation(self, c) for c in own.corporations]
        landowners = []
        for i in range(own.passive_owners if n_pass else 0):
            u = setup.keyed("setup", "landowner", i).random(2)
            landowners.append(Landowner(self, f"Eigenaar {i + 1}", clip01(own.passive_owner_willingness + 0.4 * (u[0] - 0.5)),
                                        holdout=bool(u[1] >= own.passive_owner_willingness)))
        cursor = n_mun
        for owners, count, kind in ((corporations, n_corp, "corporation"), (landowners, n_pass, "landowner"),
                                    (developers, n_dev, "developer")):
            for owner, k in zip(owners, apportion(count, [o.weight for o in owners])):
                for idx in order[cursor:cursor + k]:
                    plots[idx].owner = owner
                    plots[idx].original_owner_type = kind
                cursor += k
        for idx in order[:n_mun]:
            plots[idx].original_owner_type = "municipality"
        spec = s.market
        use = {x.name: getattr(spec.existing_use_values, x.existing_use) for x in s.subareas}
        for plot in plots:
            if plot.original_owner_type == "corporation":
                plot.social_share = s.programme.corporation_social_share
                plot.mid_share = 1 - plot.social_share
            noise = 1 + spec.existing_use_value_spread * (2 * setup.keyed("setup", "plot", plot.plot_id).random() - 1)
            plot.existing_use_value = plot.homes * use[plot.subarea] * noise
        # the municipality's land sits in its grondexploitatie at book value (inbrengwaarde); it was financed
        # before the area plan, so it counts in the public balance but not against the new area budget
        mun = self.municipality
        mun.book_value = sum(p.existing_use_value for p in plots if p.owner is mun)
        self.ledger.transfer(mun.account, OUTSIDE, mun.book_value, "land_book_value")
        for lo in landowners:
            lo.income = 0.015 * sum(p.existing_use_value for p in plots if p.owner is lo)
        self.owners += developers + corporations + landowners
        self._assign_contribution_types(developers + corporations + landowners)
        tasks = [
            Task(spec=t, index=i, beneficiary_subareas=frozenset(
                [x.name for x in s.subareas] if "all" in t.beneficiaries else t.beneficiaries))
            for i, t in enumerate(s.tasks)
        ]
        return Area(plots, tasks, [x.name for x in s.subareas], {x.name: x.separable for x in s.subareas})

    def _assign_contribution_types(self, private: list[Owner]) -> None:
        """Each private owner's contribution type, drawn once: exactly round(free_rider_share × n) free
        riders (drawn as before issue 13, so a seed keeps its free riders), the others split by largest
        remainder over conditional co-operators, hump-shaped contributors and "other" (by
        ``conditional_cooperator_share``, ``hump_shaped_share`` and the rest) in an order drawn from the
        behaviour stream; an "other" gives a fixed rate ~ U(0, 1)."""
        if not private:
            return
        b = self.scenario.behaviour
        n = len(private)
        riders = {int(i) for i in self.streams.keyed("setup", "free_riders").choice(
            n, round(b.free_rider_share * n), replace=False)}
        rest = [i for i in range(n) if i not in riders]
        for i in riders:
            private[i].contribution_type = "free_rider"
        other = max(0.0, 1.0 - b.conditional_cooperator_share - b.hump_shaped_share)
        counts = apportion(len(rest), [b.conditional_cooperator_share, b.hump_shaped_share, other])
        order = self.streams.keyed("behaviour", "types").permutation(len(rest))
        kinds = [k for k, c in zip(("conditional", "hump_shaped", "other"), counts) for _ in range(c)]
        for pos, kind in zip(order, kinds):
            owner = private[rest[int(pos)]]
            owner.contribution_type = kind
            if kind == "other":
                owner.own_rate = float(self.streams.keyed("behaviour", "own_rate", owner.unique_id).random())

    def _build_residents(self) -> list[Resident]:
        spec = self.scenario.residents
        names = [x.name for x in self.scenario.subareas]
        residents = []
        for i in range(spec.groups):
            rng = self.streams.keyed("setup", "residents", i)
            vulnerable = rng.random() < spec.vulnerable_share
            capacity = max(0.0, float(rng.normal(spec.capacity_mean, spec.capacity_sd)))
            residents.append(Resident(
                self, names[i % len(names)], spec.households_per_group,
                support=clip01(rng.normal(spec.support_mean, spec.support_sd)),
                capacity=capacity * (spec.vulnerable_capacity_factor if vulnerable else 1.0),
                trust=clip01(rng.normal(spec.trust_mean, 0.1)),
                vulnerable=vulnerable, number=i,
            ))
        return residents

    def _ask_residents(self) -> None:
        """The resident groups of the beneficiary sub-areas are told their part of a task's cost when its
        funding starts (the area's first quarter), so that the owners are not asked for it; it falls due when
        the task is contracted (``Resident.charge_contracted``), and what they pay funds that task."""
        for task in self.area.tasks:
            ask = task.spec.resident_ask
            if ask <= 0 or task.spec.recurring:
                continue
            groups = [r for r in self.residents if r.subarea in task.beneficiary_subareas]
            planned = ask * sum(r.households for r in groups)
            scale = min(1.0, task.spec.cost / planned) if planned > 0 else 0.0  # never more than the task costs
            pending = 0.0
            for r in groups:
                asked = ask * scale
                if self.scenario.instruments.dubbel_toetsen:
                    asked = min(asked, self.observed_capacity(r))  # "kan het?" before the ask is set
                r.receive_ask(task.index, asked)
                pending += asked * r.households
            task.resident_pending = task.resident_asked = pending
            if pending < planned * scale - 1e-9:
                self.log("dubbel toetsen", f"{task.name}: residents asked €{pending:.1f} m of €{planned * scale:.1f} m "
                         "after checking what they can carry; the owners are asked for the rest", amount=pending)

    def observed_capacity(self, group: Resident) -> float:
        """What the municipality believes a resident group can carry per household over the phasing period:
        its true capacity seen with a relative error of ``instruments.capacity_measurement_error`` (hard
        data, "harde data", make it smaller: 002:71)."""
        spec = self.scenario
        true = group.resources + spec.residents.capacity_growth * max(0, spec.instruments.phasing_quarters - 1)
        error = spec.instruments.capacity_measurement_error
        z = float(self.streams.keyed("behaviour", "capacity", group.account).standard_normal())
        return max(0.0, true * (1 + error * z))

    def add_owner(self, owner: Owner) -> None:
        self.owners.append(owner)

    # ================================================================ 1. exogenous
    def exogenous(self) -> None:
        self.market.step(self.steps)
        # debts cost interest every quarter: the municipality's on its grondexploitatie, the others' on
        # their loans (the financing of land and construction); the grondexploitatie's interest runs both
        # ways, so a surplus (land sold above what it cost and carried) earns the same rate
        ledger, mun = self.ledger, self.municipality.account
        ledger.charge_interest(lambda account: self.scenario.municipality.interest_rate if account == mun
                               else self.market.interest_rate, earning=frozenset((mun,)))
        self.rijk.budget_round()
        if not self.speculation_stopped():
            self.speculation += self.scenario.behaviour.speculation_rate
        interval = self.scenario.behaviour.election_interval_quarters
        if self.steps % interval == 0:
            self.election()

    def election(self) -> None:
        b = self.scenario.behaviour
        draws = self.streams["council"].random(3)  # three draws per election, whatever happens after
        if draws[0] >= b.ambition_change_probability:
            self.log("council", "council election: the new council keeps the ambitions")
            return
        mun = self.municipality
        mun.social_share_target = clip01(mun.social_share_target + 0.2 * (draws[1] - 0.5))
        mun.draagvlak = clip01(mun.draagvlak + 0.2 * (draws[2] - 0.5))  # the new council's commitment
        self.log("council", f"council election: new ambitions, social share target {mun.social_share_target:.0%}")
        self.governance.council_change()

    def speculation_stopped(self) -> bool:
        q = self.voorkeursrecht_step
        return q is not None and self.steps >= q

    # ================================================================ 3. residents
    def residents_update(self) -> None:
        construction = Status.CONSTRUCTION  # read once: an Enum member read costs ~0.2 µs on Python 3.11
        self.building_in = {p.subarea for p in self.area.plots if p.status == construction}
        self.just_delivered = {}
        last_quarter = self.steps - 1
        for t in self.area.tasks:
            if t.delivered_step == last_quarter:
                for s in t.beneficiary_subareas:
                    self.just_delivered[s] = self.just_delivered.get(s, 0) + 1
        for r in self.residents:
            r.charge_contracted()  # the asks whose task is contracted fall due before compensation is shared
        self.compensate()
        for r in self.residents:
            r.step()

    def compensate(self) -> None:
        """Targeted compensation (with dubbel toetsen the municipality knows who cannot carry the ask);
        without it the budget is spread over everyone who is asked: resident groups by their instalment, and
        owners of existing businesses by what fell due on them last quarter (their asks recur)."""
        ins = self.scenario.instruments
        left = ins.compensation_budget - self.compensation_paid
        if left <= 0:
            return
        asked = [r for r in self.residents if r.due_remaining > 1e-12 and not r.dropped_out]
        owners = [o for o in self.owners if isinstance(o, Landowner) and not o.dropped_out
                  and o.ask_step == self.steps - 1 and o.due_now > 1e-12]
        gaps: dict[Actor, float] = {}  # M€ per actor
        if ins.dubbel_toetsen:
            gaps.update({r: (r.instalment - r.resources) * r.households for r in asked if r.resources < r.instalment})
            gaps.update({o: o.unpaid_now for o in owners if o.unpaid_now > 1e-12})
        else:
            gaps.update({r: r.instalment / 2 * r.households for r in asked})
            gaps.update({o: o.due_now / 2 for o in owners})
        for r, gap in gaps.items():
            amount = min(left, gap)
            if amount <= 0:
                break
            if not self.municipality.spend(amount, "compensation", payee=r.account, cofunded=False):
                self.log("compensation", f"no budget left to compensate {r.name}", actor=r.account, amount=amount)
                break
            left -= amount
            self.compensation_paid += amount

    def objections_against(self, plots: list[Plot], what: str) -> int:
        """Residents of the sub-areas concerned may object; returns the delay in quarters.

        The draws are keyed to the procedure: its first plot and how many procedures that plot has had,
        so a form that runs more procedures on one plot does not shift any other plot's draws."""
        for p in plots:
            p.procedures += 1
        first = min(plots, key=lambda p: p.plot_id)
        rng = self.streams.keyed("objections", first.plot_id, first.procedures)
        subareas = sorted({p.subarea for p in plots})
        groups = [r for s in subareas for r in self.residents_by_subarea.get(s, [])]
        # the residents are consulted first; they can influence what no contract has fixed yet
        influence = not all(p.in_agreement for p in plots)
        for r in groups:
            r.consult(influence)
        appeal_draw = rng.random()
        draws = rng.random(len(groups))
        n = sum(int(d < r.objection_probability()) for d, r in zip(draws, groups))
        if n == 0:
            return 0
        self.objections += n
        delay = 1 + (2 if appeal_draw < 1 - 0.8 ** n else 0)  # bezwaar, and sometimes beroep
        self.delay_quarters_objections += delay
        for p in plots:
            p.objections += n
            p.permit_delay += delay if what == "permit" else 0
        self.log("objection", f"{n} objections against the {what} in {', '.join(sorted(subareas))}: +{delay} quarters",
                 plot=first.plot_id if len(plots) == 1 else None)
        return delay

    # ================================================================ 4. owners
    def owners_decide(self) -> None:
        self.progress_construction()
        for owner in list(self.owners):
            owner.update_capacity()
        for plot in self.area.plots:
            if plot.status in _DECIDING:
                plot.owner.decide(plot)
        self.sell_homes()  # the buyers of this quarter take what the starts left of the absorption

    def progress_construction(self) -> None:
        construction = Status.CONSTRUCTION
        for plot in self.area.plots:
            if plot.status != construction:
                continue
            if plot.construction_remaining > 0:
                # a quarter's instalment to the builders, contracted at the start
                instalment = plot.cost_to_pay / plot.construction_remaining
                self.ledger.transfer(plot.owner.account, OUTSIDE, instalment, "construction_cost", force=True)
                plot.cost_to_pay -= instalment
                plot.construction_remaining -= 1
            if plot.construction_remaining == 0 and self.area.gate_open(plot.subarea):
                plot.status = Status.COMPLETED
                plot.step_completion = self.steps
                value = revenue(self, plot)
                plot.owner.release(plot, value)
                if plot.pool is not None:
                    owner = plot.owner
                    plot.pool.settle_completion(plot, owner, margin_at_cost(self, plot, owner),
                                                owner.start_threshold(plot), value)
                self.log("completion", f"plot {plot.plot_id} ({plot.homes} homes) completed by {plot.owner.name}",
                         actor=plot.owner.account, plot=plot.plot_id, amount=value)

    def apply_for_initiative(self, plot: Plot) -> None:
        """An owner outside a contract asks for its own development right under the frame: a plan
        amendment (or a permit for an activity outside the plan) with its kostenverhaal decision. It is
        municipal work, draws zienswijzen, and is refused when its programme does not fit the frame."""
        plot.status = Status.INITIATIVE
        if plot.step_initiative is None:
            plot.step_initiative = self.steps
        delay = self.objections_against([plot], "plan amendment")
        spec = self.scenario.municipality
        self.log("initiative", f"{plot.owner.name} asks for a plan amendment for plot {plot.plot_id}",
                 actor=plot.owner.account, plot=plot.plot_id)

        def decide() -> None:
            if plot.status != Status.INITIATIVE:
                return  # the application lapsed: the municipality bought the plot (acquisition.Acquisition.buy)
            target = self.municipality.social_share_target
            fits = plot.original_owner_type == "corporation" or plot.social_share >= target - spec.frame_tolerance
            if not fits:
                self.log("initiative", f"plot {plot.plot_id}: initiative refused, its social share "
                         f"{plot.social_share:.0%} does not fit the frame's {target:.0%}", actor=plot.owner.account,
                         plot=plot.plot_id)
                plot.status = Status.HELD
                plot.refusals += 1
                plot.social_share = target  # its next initiative carries the frame's programme
                return
            plot.in_plan = True
            plot.status = Status.AGREED
            self.governance.sign([plot], contract=False)
            self.log("initiative", f"plot {plot.plot_id}: plan amendment granted", actor=plot.owner.account,
                     plot=plot.plot_id)

        self.municipality.enqueue(f"uitwerking plot {plot.plot_id}", "initiative", spec.initiative_workload,
                                  spec.initiative_min_quarters, decide, delay, plot=plot.plot_id)

    def apply_for_permit(self, plot: Plot) -> None:
        plot.status = Status.PERMIT_PROCEDURE
        plot.step_permit_application = self.steps
        delay = self.objections_against([plot], "permit")
        spec = self.scenario.municipality

        def grant() -> bool:
            # the contributions due are paid first (before step_permit is set: it is what makes them due)
            if not self.contributions.pay_at_permit(plot):
                if plot.waiting_since is None:
                    plot.waiting_since = self.steps
                    self.log("permit", f"permit for plot {plot.plot_id} waits: {plot.owner.name} cannot pay the "
                             "contributions due", actor=plot.owner.account, plot=plot.plot_id,
                             amount=self.contributions.due_at_permit(plot, plot.owner))
                elif self.steps - plot.waiting_since >= 4 * self.scenario.behaviour.dropout_quarters:
                    self.put_up_for_sale(plot, "cannot pay the contributions its permit needs (draagkracht)")
                    return True
                return False
            plot.waiting_since = None
            plot.status = Status.PERMITTED
            plot.step_permit = self.steps
            self.homes_permitted_step += plot.homes
            return True

        self.municipality.enqueue(f"permit plot {plot.plot_id}", "permit", spec.permit_workload,
                                  spec.permit_min_quarters, grant, delay, plot=plot.plot_id)

    def absorption_capacity(self) -> float:
        """The market homes the area's buyers take per quarter (afzet); programming raises it (a recurring
        task by its funded share, a one-off task once delivered). Social homes are taken by the corporation
        that will own them and mid-rent homes by an investor as one block at the start: neither waits for
        the area's buyers."""
        boost = sum(t.spec.absorption_boost * min(1.0, t.funds / t.spec.cost)
                    for t in self.area.tasks if t.spec.recurring and t.spec.cost > 0)
        # a delivered one-off task (a park, a hub, a school) makes the area's homes sell faster too
        boost += sum(t.spec.absorption_boost for t in self.area.tasks if not t.spec.recurring and t.delivered)
        return self.scenario.market.absorption_per_quarter * (1 + boost)

    def presale_target(self, plot: Plot) -> int:
        """The market homes a start needs sold in advance: ``behaviour.presale_share`` of them, rounded up
        (social homes are taken by the corporation that will own them, mid-rent ones by a block buyer)."""
        return math.ceil(self.scenario.behaviour.presale_share * plot.market_homes - 1e-9)

    def presale_reached(self, plot: Plot) -> bool:
        return plot.presold >= self.presale_target(plot)

    def sell_homes(self) -> None:
        """Voorverkoop: the buyers of this quarter (the area's absorption) buy market homes, first from
        the plots that went on sale first (a developer markets phase after phase). A plot is on sale from the quarter its owner markets it
        (``Plot.marketing``, set in its decision) until its last market home is sold, also after its start."""
        self.absorbed_step = 0
        room = int(self.absorption_capacity() + 1e-9)
        longstop = self.scenario.behaviour.presale_longstop_quarters
        on_sale = []
        permit_procedure = Status.PERMIT_PROCEDURE
        for plot in self.area.plots:
            if plot.sales_last:  # (set only when it sold last quarter: a plot's every set passes Plot.__setattr__)
                plot.sales_last = 0
            started = plot.status in _STARTED
            if not started and plot.step_first_sale is not None and plot.step_first_sale < self.steps \
                    and plot.status != permit_procedure:
                # the buyers' termijn runs, except while the municipality decides on the permit: a procedure
                # neither party can speed up, for which buyers extend (the permit is one of the conditions)
                plot.longstop_clock += 1
            if not started and plot.step_first_sale is not None and plot.longstop_clock >= longstop:
                # the long-stop date: the developer's conditions (presales, financing, a start after the
                # permit) were not met in time, and the buyers' contracts dissolve; the plot re-markets from
                # zero when its case allows
                place = plot.step_sales_start
                self.annul_sales(plot, f"no start {longstop} quarters after its first sale (long-stop date)")
                # the same project goes back on sale: it keeps its place in the buyers' queue
                plot.step_sales_start = place
            # only an owner that holds the development right (a plan or agreement in force) sells in advance
            right = plot.status in _WITH_RIGHT
            # on sale or started first: most plots are neither, and their programme is not worked out then
            if (started or (plot.marketing and right)) and plot.sold < plot.market_homes:
                on_sale.append(plot)
                if plot.step_sales_start is None:
                    plot.step_sales_start = self.steps
        on_sale.sort(key=lambda p: (p.step_sales_start, p.plot_id))
        for plot in on_sale:
            if room <= 0:
                break
            n = min(room, plot.market_homes - plot.sold)
            room -= n
            self.absorbed_step += n
            plot.sold += n
            if plot.step_first_sale is None:
                plot.step_first_sale = self.steps
            plot.sold_value += n * sale_price(self, plot)  # koopaanneming: the buyer signs at a fixed price
            plot.sales_last = n
            if plot.status not in _STARTED:
                plot.presold += n
                if plot.step_presale_reached is None and self.presale_reached(plot):
                    plot.step_presale_reached = self.steps
                    self.log("presale", f"plot {plot.plot_id}: {plot.presold} of {plot.segment_homes['market']} "
                             f"market homes sold in advance, enough to start", actor=plot.owner.account,
                             plot=plot.plot_id)

    def annul_sales(self, plot: Plot, why: str) -> None:
        """The buyers' contracts of a plot that will not be built by its owner are dissolved (their
        ontbindende voorwaarde): its homes go back on the market with its next start."""
        if plot.sold:
            self.log("presale", f"plot {plot.plot_id}: {plot.sold} sales dissolved ({why})",
                     actor=plot.owner.account, plot=plot.plot_id)
        plot.sold = plot.presold = plot.sales_last = 0
        plot.sold_value = 0.0
        plot.marketing = False
        plot.step_sales_start = plot.step_presale_reached = plot.step_first_sale = None
        plot.longstop_clock = 0

    def construction_quarters(self, plot: Plot) -> int:
        """The plot's construction time in quarters (by its size and building type; fixed for the run)."""
        quarters = self._build_time.get(plot.plot_id)
        if quarters is None:
            quarters = self._build_time[plot.plot_id] = construction_quarters(self.scenario, plot)
        return quarters

    def start_construction(self, plot: Plot, inv: float) -> None:
        plot.margin_at_start = plot.owner.decision_margin(plot)
        if plot.pool is not None:
            from .development import margin

            owner = plot.owner
            plot.pool.settle_start(plot, owner, margin(self, plot, owner), owner.start_threshold(plot),
                                   revenue(self, plot))
        plot.status = Status.CONSTRUCTION
        plot.step_construction_start = self.steps
        plot.construction_remaining = self.construction_quarters(plot)
        plot.owner.commit(plot, inv)
        self.homes_started_step += plot.homes
        self.homes_started_total += plot.homes
        self.log("start", f"{plot.owner.name} starts building {plot.homes} homes on plot {plot.plot_id}",
                 actor=plot.owner.account, plot=plot.plot_id, amount=inv)

    def put_up_for_sale(self, plot: Plot, reason: str) -> None:
        """An owner whose money ran out offers the plot on the land market at cost; its development right
        stays with the plot (a permit procedure that could not be paid for lapses)."""
        # its buyers do not pass with the land without their consent: their contracts dissolve, as with a
        # withdrawal, and its next owner markets the homes anew
        self.annul_sales(plot, "put up for sale")
        plot.for_sale = True
        plot.waiting_since = None
        plot.stalled_quarters = 0
        if plot.step_permit is not None:
            plot.status = Status.STALLED  # the permit stays with the plot
        else:
            plot.status = Status.AGREED if plot.in_plan else Status.HELD
        self.log("sale", f"{plot.owner.name} puts plot {plot.plot_id} up for sale: {reason}",
                 actor=plot.owner.account, plot=plot.plot_id)
        # its money ran out: it leaves this plot, a drop-out of its group
        self.asks.drop_out(plot.owner, reason_of(reason), f"sells plot {plot.plot_id}, {reason}")

    def withdraw(self, plot: Plot, reason: str) -> None:
        self.annul_sales(plot, "withdrawn")
        plot.status = Status.WITHDRAWN
        plot.step_withdrawal = self.steps
        self.log("withdrawal", f"{plot.owner.name} withdraws plot {plot.plot_id}: {reason}",
                 actor=plot.owner.account, plot=plot.plot_id)

    def started_share(self) -> float:
        return self.homes_started_total / max(1, self.area.homes_planned)

    def form_for(self, plot: Plot):
        """The form whose land policy applies to the plot (after a review it may differ from the run's form)."""
        return self.review.form_for(plot)

    def stick_against_holdout(self) -> bool:
        """A credible stick against a pivotal hold-out: expropriation. Kostenverhaal is not one: it binds
        whoever gets a permit to pay, it forces no one into an agreement (NOVEX L1338–1342)."""
        return self.scenario.instruments.expropriation

    # ================================================================ 7. collective tasks
    def deliver_tasks(self) -> None:
        for task in self.area.tasks:
            if task.spec.recurring or task.delivered:
                continue
            if task.delivery_started is None:
                if task.spec.kind == "public_works":
                    held = Status.HELD  # (read once, not per plot: an Enum member read is slow)
                    needed = any(p.status != held for p in self.area.plots if task.benefits(p))
                    if needed and self.pay_public_works(task):
                        self._start_delivery(task)
                elif task.funds >= task.spec.cost - 1e-9:
                    # the area fund pays the builders from what was collected for this task (exactly its
                    # earmark: rounding in one task's instalments must not take another task's money)
                    self.ledger.transfer(AREA_FUND, OUTSIDE, min(task.spec.cost, task.funds), "task_delivery")
                    self._start_delivery(task)
            elif self.steps - task.delivery_started >= task.spec.delivery_quarters:
                task.delivered_step = self.steps
                self.log("task", f"{task.name} delivered")
                for r in self.residents:
                    if r.subarea in task.beneficiary_subareas:
                        r.gain_trust()

    def pay_public_works(self, task: Task) -> bool:
        """Whoever pre-finances the public works pays the builders: the municipality from its budget, or
        under the GEM its land company (within what its lenders finance)."""
        payer = self.governance.works_payer()
        if payer is self.municipality:
            return self.municipality.spend(task.spec.cost, "public_works")
        if not payer.ensure_cash(task.spec.cost) or not self.ledger.transfer(payer.account, OUTSIDE, task.spec.cost,
                                                                              "public_works"):
            return False
        self.contributions.works_paid_by_company(task, payer)
        return True

    def _start_delivery(self, task: Task) -> None:
        task.delivery_started = self.steps
        self.log("task", f"{task.name}: funded, delivery starts", amount=task.spec.cost)

    # ================================================================ 8. trust and drop-outs
    def trust_and_dropouts(self) -> None:
        b = self.scenario.behaviour
        for owner in self.owners:
            if owner is not self.municipality:
                # support follows experience: kept agreements build it, broken ones erode it
                owner.draagvlak = clip01(owner.draagvlak + 0.02 * (owner.trust - 0.5))
                # draagkracht is at most the share of this quarter's asks it carried
                owner.draagkracht = min(owner.draagkracht, owner.carried_share())
        # the owners of existing businesses, then the resident groups (in the order of ``actors()``): the ones
        # whose failed asks drive drop-out
        for actor in [o for o in self.owners if isinstance(o, Landowner)] + self.residents:
            if actor.dropped_out:
                continue
            actor.unable_quarters = actor.unable_quarters + 1 if actor.failing else 0
            if actor.unable_quarters >= b.dropout_quarters:
                actor.dropped_out = True
                if isinstance(actor, Resident):
                    self.households_dropped += actor.households
                    actor.drop_asks()
                    for other in self.residents:
                        if other.subarea == actor.subarea:
                            other.lose_trust(0.5)  # a drop-out is "fatal for trust" (002:63)
                    what = "leaves its asks unpaid"
                else:
                    what = "sells its plots"
                reason = actor.ask_reason or "cannot pay"
                self.asks.drop_out(actor, reason, f"willing but unable for {actor.unable_quarters} quarters, {what}")
                if isinstance(actor, Landowner):
                    # an owner of an existing business that cannot carry the asks sells (at cost, 002:61); what
                    # it owed is asked of the others again, as a resident group's open asks are
                    self.asks.release(actor.plots())
                    for plot in actor.plots():
                        if plot.status in (Status.HELD, Status.AGREED, Status.PERMITTED, Status.STALLED):
                            self.put_up_for_sale(plot, f"{reason}: the asks on its business")

    # ================================================================ helpers
    def actors(self) -> list[Actor]:
        """Every actor, the municipality and the Rijk first (a fresh list: the caller may change it)."""
        return list(self._actor_lists()[0])

    def group_members(self, group: str) -> list[Actor]:
        return list(self._actor_lists()[1].get(group, ()))

    def _actor_lists(self) -> tuple[list[Actor], dict[str, list[Actor]]]:
        """The actors and their groups, built once a quarter (and again when an owner joins, e.g. a GEM):
        the group means read them a dozen times per quarter."""
        key = (self.steps, len(self.owners), len(self.residents))
        if self._actors_key != key:
            actors = [self.municipality, self.rijk] + [o for o in self.owners if o is not self.municipality] + self.residents
            groups: dict[str, list[Actor]] = {}
            for a in actors:
                groups.setdefault(a.group, []).append(a)
            self._actors_key, self._actors = key, (actors, groups)
        return self._actors

    def investment(self, plot: Plot) -> float:
        return investment(self, plot)

    def log(self, kind: str, text: str, actor: str | None = None, plot: int | None = None,
            amount: float | None = None) -> None:
        """Add an event to the log (output ``events.parquet``); ``actor`` is a ledger account name."""
        self.events.append(Event(self.steps, kind, text, actor, plot, amount))

    @property
    def public_balance(self) -> float:
        return self.municipality.balance

    def events_table(self):
        """The event log as a table (the ``events.parquet`` rows of this run)."""
        import pandas as pd

        return pd.DataFrame(self.events, columns=list(Event._fields))

    def run(self) -> "AreaDevelopmentModel":
        """Run to the scenario's horizon; the finished model keeps all its data."""
        try:
            for _ in range(self.scenario.simulation.horizon_quarters):
                self.step()
        finally:
            release_from_mesa_registry(self)
        return self

    def dispose(self) -> None:
        """Break the model's reference cycles (agents, plots, accounts and work items all refer to each
        other and to the model) so its memory returns at once instead of at the cycle collector's next full
        pass. For a caller that has taken what it needs, as the runner does after every run; the model
        cannot be used afterwards."""
        agents = list(self.owners) + list(self.residents) + [self.rijk]
        for agent in agents:
            agent.__dict__.clear()
        for plot in self.area.plots:
            plot.__dict__.clear()
        self.__dict__.clear()


def release_from_mesa_registry(model: mesa.Model) -> None:
    """Work around Mesa 3.3's leak (mesa#3179, fixed upstream in #3180): the class attribute ``Agent._ids``
    keeps every model ever built alive. A model that will create no more agents can be dropped from it, so
    a process's memory stays flat however many runs it does."""
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` items by ``weights`` (largest remainder); the advisor uses it to mirror the model."""
    if not weights or total <= 0:
        return [0] * len(weights)
    w = sum(weights)
    raw = [total * x / w for x in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out
