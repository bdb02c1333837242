"""The money ledger: every euro has a payer and a payee, and every account's money is its running balance.

Accounts: one per actor (each developer, corporation, passive owner, the municipality, the Rijk, a GEM
company, each resident group), the area fund (gebiedsfonds) that holds collected contributions for the
collective tasks, and :data:`OUTSIDE`: the world outside the area (home buyers and tenants, builders,
lenders, the national budget, the rest of the municipality's budget). Every account opens at zero and
receives its opening money from the outside, so the balances of all accounts sum to zero at every moment
(stock-flow consistency).

An account has a *floor*: how far its balance may fall (minus its financing room). An ordinary payment
that would take the payer below its floor is refused, and the action that needed the money waits; a
mandatory payment (interest, a construction instalment already contracted) is made anyway, and the
ledger reports the account as below its floor in the event log (``overdraft``) in the quarter it happens.

The ledger keeps the flows aggregated per quarter, payer, payee and kind, so it stays small; the output
``ledger.parquet`` is that table.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import pandas as pd

    from .model import AreaDevelopmentModel

OUTSIDE = "outside"
AREA_FUND = "gebiedsfonds"

# Transaction kinds (docs/ODD.md §4.11 says when each happens)
KINDS: dict[str, str] = {
    "opening_balance": "money an account brings into the area at the start (equity, investment room, savings)",
    "land_book_value": "the municipality's land enters its grondexploitatie at book value (inbrengwaarde)",
    "land_sale": "the price of a plot, from buyer to seller",
    "expropriation": "the compensation for an expropriated plot",
    "kostenverhaal": "public cost recovery at permit (levy per home and m2, fonds bovenwijks)",
    "contract_contribution": "an area-task contribution fixed by contract (SOK, GEM, tender award)",
    "voluntary_contribution": "a voluntary area-task contribution",
    "biz_charge": "the BIZ/GIZ charge on an owner while the zone is in force",
    "resident_contribution": "what a resident group pays towards the task it was asked for",
    "municipal_contribution": "the municipality's share of an area task, for its own land",
    "public_works": "the municipality (under the GEM its land company) pays for public works (builders)",
    "servicing_cost": "a land company (GEM) services a plot before it issues it (bouwrijp maken), to builders",
    "plot_issue": "the price of a serviced plot a land company (GEM) issues, from the builder or corporation",
    "task_delivery": "the area fund pays for a collective task (builders, the area organisation)",
    "subsidy": "Rijk co-funding of public spending from the gebiedsbudget",
    "rijk_budget": "a tranche of the gebiedsbudget released by the national budget",
    "construction_cost": "a construction instalment, from owner to builders",
    "interest": "interest on a negative balance (debt), to lenders",
    "interest_earned": "interest a positive municipal grondexploitatie balance earns, from the outside",
    "sales_revenue": "homes and floor space sold at completion",
    "rent_revenue": "the capitalised rental value of social homes a corporation lets at completion",
    "rent": "a corporation's rents from its existing portfolio, which grow its investment room",
    "existing_use_income": "a passive owner's income from the current use of its plots",
    "household_savings": "what resident households set aside once they are asked to pay",
    "compensation": "targeted compensation from the municipality to a resident group",
    "break_fee": "the agreed break fee a partner pays the seller to end its land obligation (bouwplicht, take-up)",
    "deferred_land_payment": "interest on the land price a partner pays the seller for a quarter's deferral",
    "price_adjustment": "land price the municipality gives back when it renegotiates a bouwplicht",
    "gem_capital": "capital a partner pays into the GEM company",
    "verevening": "a deal's cross-subsidy: a profitable plot pays in at its completion, a weak one draws on it at its start",
    "verevening_distribution": "a deal's verevening balance paid back at its close-out to those who paid in, pro rata",
    "gem_settlement": "the GEM's result shared out to (or a loss called from) its partners by their shares",
    "use_phase": "a completed plot's owner pays its use-phase due (bound or voluntary) to the area's management organisation",
    "use_phase_fees": "the users of completed plots pay fees (parking, hub subscriptions) to the management organisation",
    "use_phase_service": "the management organisation pays for this quarter's services (beheer, hub, parking)",
}


class Ledger:
    """Accounts, balances and the aggregated flows of one run."""

    def __init__(self, model: "AreaDevelopmentModel"):
        self.model = model
        self.balance: dict[str, float] = {OUTSIDE: 0.0}
        self.flows: defaultdict[tuple[int, str, str, str], float] = defaultdict(float)
        self.totals: defaultdict[tuple[str, str, str], float] = defaultdict(float)  # over the whole run
        self.paid_of_kind: defaultdict[tuple[str, str], float] = defaultdict(float)  # (payer, kind) -> run total
        self._floor: dict[str, Callable[[], float]] = {OUTSIDE: lambda: -math.inf}
        self.may_borrow: set[str] = {OUTSIDE}
        self.holder: dict[str, object] = {}
        self._below: set[str] = set()  # accounts reported below their floor (until they recover)

    # ------------------------------------------------------------------ accounts
    def open(self, name: str, holder: object = None, floor: Callable[[], float] | None = None, *,
             may_borrow: bool = False, opening: float = 0.0) -> str:
        """Open an account (names are unique); ``opening`` money arrives from the outside at once."""
        if name in self.balance:
            raise ValueError(f"account {name!r} exists")
        self.balance[name] = 0.0
        self._floor[name] = floor or (lambda: 0.0)
        self.holder[name] = holder
        if may_borrow:
            self.may_borrow.add(name)
        if opening:
            self.transfer(OUTSIDE, name, opening, "opening_balance")
        return name

    def unique_name(self, base: str) -> str:
        name, i = base, 2
        while name in self.balance:
            name, i = f"{base} ({i})", i + 1
        return name

    def floor(self, name: str) -> float:
        return self._floor[name]()

    def available(self, name: str) -> float:
        """What the account can still pay in ordinary payments: balance above its floor."""
        return self.balance[name] - self.floor(name)

    # ------------------------------------------------------------------ payments
    def transfer(self, payer: str, payee: str, amount: float, kind: str, *, force: bool = False) -> bool:
        """Move ``amount`` M€ from payer to payee. Refused (False) when it would take the payer below its
        floor, unless ``force`` (a mandatory payment)."""
        if amount <= 0:
            return True
        if kind not in KINDS:
            raise ValueError(f"unknown transaction kind {kind!r}")
        balance = self.balance
        # available(payer), inlined: the ledger's busiest call
        if not force and balance[payer] - self._floor[payer]() < amount - 1e-9:
            return False
        balance[payer] -= amount
        balance[payee] += amount
        self.flows[(self.model.steps, payer, payee, kind)] += amount
        self.totals[(payer, payee, kind)] += amount
        self.paid_of_kind[(payer, kind)] += amount
        return True

    def pay_up_to(self, payer: str, payee: str, amount: float, kind: str) -> float:
        """Pay as much of ``amount`` as the payer can without going below its floor; returns what was paid."""
        paid = min(amount, max(0.0, self.available(payer)))
        if paid > 1e-12:
            # within its available money, just read: the floor is not worked out a second time
            self.transfer(payer, payee, paid, kind, force=True)
            return paid
        return 0.0

    def charge_interest(self, rate_of: Callable[[str], float], earning: frozenset[str] = frozenset()) -> None:
        """Every account in debt pays a quarter's interest on it (``rate_of(account)`` per year); an account in
        ``earning`` (the municipality's grondexploitatie) also earns that rate on a positive balance, so its
        interest runs both ways: a surplus earns what a deficit would cost."""
        for name, bal in list(self.balance.items()):
            if name != OUTSIDE and bal < -1e-12:
                self.transfer(name, OUTSIDE, -bal * rate_of(name) / 4.0, "interest", force=True)
            elif name in earning and bal > 1e-12:
                self.transfer(OUTSIDE, name, bal * rate_of(name) / 4.0, "interest_earned", force=True)

    def check_floors(self) -> None:
        """Report each account that went below its floor (once per episode) in the event log."""
        floors, below = self._floor, self._below
        for name, bal in self.balance.items():
            if name == OUTSIDE:
                continue
            floor = floors[name]()  # floor(name), inlined: every account, every quarter
            if bal < floor - 1e-9:
                if name not in below:
                    below.add(name)
                    what = ("goes beyond the area budget (it borrows)" if name in self.may_borrow
                            else "is below its floor: it cannot pay more until money comes in")
                    self.model.log("overdraft", f"{name} {what}: €{floor - bal:.1f} m short", actor=name,
                                   amount=floor - bal)
            elif name in below:  # (most accounts are above their floor, and were)
                below.discard(name)

    def below_floor(self, name: str) -> bool:
        return name in self._below

    # ------------------------------------------------------------------ reading
    def received(self, name: str, kinds: tuple[str, ...] | None = None, exclude_outside: bool = False) -> float:
        """Everything ``name`` received so far (of ``kinds``; without what came from the outside)."""
        return sum(v for (payer, payee, kind), v in self.totals.items()
                   if payee == name and (kinds is None or kind in kinds) and not (exclude_outside and payer == OUTSIDE))

    def paid(self, name: str, kinds: tuple[str, ...] | None = None, exclude_outside: bool = False) -> float:
        """Everything ``name`` paid so far (of ``kinds``; without what went to the outside)."""
        return sum(v for (payer, payee, kind), v in self.totals.items()
                   if payer == name and (kinds is None or kind in kinds) and not (exclude_outside and payee == OUTSIDE))

    def net_flows(self, name: str) -> float:
        """Everything the account received minus everything it paid (its balance, rebuilt from the flows)."""
        net = 0.0
        for (payer, payee, _), v in self.totals.items():
            net += v if payee == name else -v if payer == name else 0.0
        return net

    def table(self) -> "pd.DataFrame":
        """The flows, one row per quarter, payer, payee and kind (the ``ledger.parquet`` table)."""
        import pandas as pd

        rows = [(q, payer, payee, kind, v) for (q, payer, payee, kind), v in self.flows.items()]
        return pd.DataFrame(rows, columns=["quarter", "payer", "payee", "kind", "amount"])
