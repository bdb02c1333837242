"""Exits from a land contract: one mechanism for every contract that binds a partner to take up land or to
start building on it (the tender's bouwplicht, the SOK's take-up of its partners' land and the start on it).

When the obligation falls due and the partner would not go ahead by its business case, it chooses the best
of the exits the contract leaves open (values in M€, from the partner's side):

- *going ahead* (building anyway, or taking up and building): what the contract's business case earns now;
- *re-phasing* (:func:`rephased_due`), open only when the business case clears the partner's hurdle but it
  cannot finance going ahead now (its financing room is tied up in the plots it is building): the due date
  moves to when its running projects free room (the next quarter one of its own constructions completes,
  at most one term of the contract later, and that term when it builds nothing). The seller carries the
  land meanwhile, so the partner pays interest on the contract's *agreed* land price from the original due
  date to the new one (``market.interest_rate``, ledger kind ``deferred_land_payment``, as for a deferral;
  :func:`rephasing_interest`), and an obligation may be re-phased at most ``instruments.max_rephasings``
  times (a contract term). Worth what going ahead will earn then, less that interest: a partner whose
  obstacle is its capacity, not the market, does not walk away from a claim that pays; the programme is
  phased to what the partners can carry within agreed bandwidths (NOVEX 003 L143, L1146-1147, L1162-1165,
  L1186: prioritering en fasering, "wanneer kan wie nog en wanneer houdt het even op?", behapbare brokken;
  002 L72: temporiseren of faseren om draagkracht op te bouwen). A break is therefore chosen only by the
  business case (hardship);
- *the longstop*: a partner whose case clears but who still cannot finance going ahead once its
  re-phasings are spent loses the claim where the contract has one (``Obligation.longstop``: the SOK
  re-allots the plot to another partner of its deal who can carry it, or the seller takes it back); where
  it has none (the tender's bouwplicht: the developer owns the land) it defers or breaks as below;
- *deferring* one quarter, at most ``instruments.max_deferral_quarters`` times per obligation: the seller
  carries the land a quarter longer and is paid interest on the contract's land price for it
  (``market.interest_rate``, ledger kind ``deferred_land_payment``);
- *renegotiating* the programme or the price once per plot (what the contract concedes);
- *breaking the contract*: the agreed break fee is ``instruments.build_obligation_penalty`` × the contract's
  *agreed* land price (the price paid at the award or the take-up, or the book value the SOK fixed as the
  floor of its grondprijs), never today's price, so the fee does not shrink with the market. On a break the
  seller chooses by its own business case (:func:`break_terms`): it levies the fee (ledger kind
  ``break_fee``; the partner keeps the land and its obligation lapses), or, on land it sold itself, it buys
  the land back under its terugkooprecht at the price paid minus the fee (the land returns to its
  grondexploitatie at that book value). Assumption: standard Dutch gronduitgifte conditions (bouwplicht
  with a boete and a terugkooprecht); the sources give no terms (docs/ODD.md §4.14).

The contract supplies what each of its exits is worth and does; this module weighs them the same way for
every contract, pays the interest and the fee, and logs the choice (event kinds in ``EXIT_EVENTS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .area import Status

if TYPE_CHECKING:
    from .agents.base import Owner
    from .area import Plot
    from .model import AreaDevelopmentModel

GO = "builds anyway"
REPHASE = "re-phases"
DEFER = "defers"
RENEGOTIATE = "renegotiates"
BREAK_FEE = "breaks the contract"
# how the seller ends a break: it levies the fee, or it buys the land back (terugkooprecht)
LEVY = "levies the break fee"
BUY_BACK = "buys the land back"

# the event kind each exit is logged under; going ahead is logged under the contract's own kind, a break
# under the seller's choice
LONGSTOP = "loses its claim at the longstop"
EXIT_EVENTS = {REPHASE: "rephasing", DEFER: "deferral", RENEGOTIATE: "renegotiation", LEVY: "break_fee", BUY_BACK: "handback"}

Option = tuple[float, Callable[[], bool]]  # what the exit is worth to the partner, and what doing it does


@dataclass
class BuyBack:
    """The seller's terugkooprecht on land it sold: what the land is worth to it now (its forecast issue
    price), whether it can pay ``price`` for it, and taking it back at ``price`` (False when it fails)."""

    value: float
    can_pay: Callable[[float], bool]
    take: Callable[[float], bool]


@dataclass
class Obligation:
    """What falls due on one plot under one contract, and what each of its exits would do.

    ``kind`` names the contract ("bouwplicht", "takeup"), ``price`` the land price it names now (paid at the
    award, or due at the take-up: the interest on a deferral runs on it), ``agreed`` the price the contract
    fixed (the break fee is a share of it), ``seller`` the account that carries the land and receives the
    interest and the fee. ``go`` and ``renegotiate`` are None where that exit is not open, ``buy_back`` where
    the seller holds no terugkooprecht (it did not sell the land, or nothing was taken up yet).
    ``later`` is what going ahead earns by the business case once the partner can finance it, when that
    case clears the partner's hurdle (None when it does not: hardship); with ``go`` None it opens the
    re-phasing. ``postpone`` moves the due date to the quarter given; ``release`` ends the obligation once
    the fee is levied. ``due`` is the quarter the obligation fell due (the interest of a re-phasing runs
    from it; None: now); ``longstop`` what the contract does with a claim whose re-phasings are spent (None
    where it has no longstop)."""

    kind: str
    price: float
    agreed: float
    seller: str
    go: Option | None
    renegotiate: Option | None
    buy_back: BuyBack | None
    postpone: Callable[[int], None]
    release: Callable[[], None]
    later: float | None = None
    due: int | None = None
    longstop: Callable[[], None] | None = None


def deferral_interest(model: "AreaDevelopmentModel", price: float) -> float:
    """A quarter's interest on the deferred land price (M€)."""
    return max(0.0, price) * model.market.interest_rate / 4.0


def break_fee(model: "AreaDevelopmentModel", agreed: float) -> float:
    """The agreed break fee (M€): ``instruments.build_obligation_penalty`` × the contract's agreed land price
    (what was paid or contracted, not what the land fetches today)."""
    return model.scenario.instruments.build_obligation_penalty * max(0.0, agreed)


def rephased_due(model: "AreaDevelopmentModel", owner: "Owner") -> int:
    """The quarter a re-phased obligation falls due: when the partner's running projects free financing room,
    the next quarter in which one of its own constructions completes (its equity comes back with the sales
    and its loan is repaid), never more than one term of the contract (``instruments.build_obligation_quarters``,
    the SOK's phasing step and the bouwplicht's term) from now; that term when it builds nothing (its room is
    tied up in plots it has yet to start: the obligation moves to the programme's next phase)."""
    running = [p.construction_remaining for p in model.area.plots_of(owner) if p.status == Status.CONSTRUCTION]
    term = model.scenario.instruments.build_obligation_quarters
    return model.steps + max(1, min([term, *running]))


def rephasing_interest(model: "AreaDevelopmentModel", ob: Obligation, due: int) -> float:
    """The interest a re-phasing to quarter ``due`` costs the partner (M€): a quarter's interest on the
    contract's agreed land price for every quarter from the date the obligation fell due to ``due``."""
    start = model.steps if ob.due is None else min(ob.due, model.steps)
    return deferral_interest(model, ob.agreed) * max(0, due - start)


def case_without_finance(ob: Obligation) -> bool:
    """Whether the business case clears but the partner cannot finance going ahead now."""
    return ob.go is None and ob.later is not None


def rephasing_open(model: "AreaDevelopmentModel", plot: "Plot", ob: Obligation) -> bool:
    """Whether the obligation may be re-phased: the business case clears, only the financing is missing, and
    its re-phasings (``instruments.max_rephasings``) are not spent."""
    return case_without_finance(ob) and plot.rephasings < model.scenario.instruments.max_rephasings


def past_longstop(model: "AreaDevelopmentModel", plot: "Plot", ob: Obligation) -> bool:
    """Whether the contract's longstop ends the claim: it has one, and the partner still cannot finance a
    case that clears with its re-phasings spent."""
    return ob.longstop is not None and case_without_finance(ob) and not rephasing_open(model, plot, ob)


def break_terms(model: "AreaDevelopmentModel", owner: "Owner", ob: Obligation) -> tuple[str, float] | None:
    """How the seller ends a break, by its own business case: (``LEVY``, the fee) or (``BUY_BACK``, the
    buy-back price: the agreed price minus the fee). Levying earns it the fee; buying back costs it the
    buy-back price for land worth its forecast, so it buys back when the land is worth more to it than the
    price paid (forecast − (price − fee) > fee), and, on land it sold, when the partner cannot pay the fee
    (the contract's security: the fee is netted from the price). None when neither is possible."""
    fee = break_fee(model, ob.agreed)
    levy = owner.free_cash >= fee - 1e-9
    back_price = max(0.0, ob.agreed - fee)
    back = ob.buy_back is not None and ob.buy_back.can_pay(back_price)
    if back and (not levy or ob.buy_back.value - back_price > fee):
        return BUY_BACK, back_price
    return (LEVY, fee) if levy else None


def options(model: "AreaDevelopmentModel", owner: "Owner", plot: "Plot", ob: Obligation) -> dict[str, float]:
    """The exits open to the partner and what each is worth to it (M€)."""
    ins = model.scenario.instruments
    out: dict[str, float] = {}
    if ob.go is not None:
        out[GO] = ob.go[0]
    if rephasing_open(model, plot, ob):
        interest = rephasing_interest(model, ob, rephased_due(model, owner))
        if owner.free_cash >= interest:
            out[REPHASE] = ob.later - interest
    interest = deferral_interest(model, ob.price)
    if plot.deferrals < ins.max_deferral_quarters and owner.free_cash >= interest:
        out[DEFER] = -interest
    # a break costs the partner the fee either way: levied in cash with the land kept, or netted from the
    # price the seller pays it back
    if break_terms(model, owner, ob) is not None:
        out[BREAK_FEE] = -break_fee(model, ob.agreed)
    if ob.renegotiate is not None:
        out[RENEGOTIATE] = ob.renegotiate[0]
    return out


def resolve(model: "AreaDevelopmentModel", owner: "Owner", plot: "Plot", ob: Obligation,
            note: str = "") -> str | None:
    """The partner takes the best exit open to it (going ahead on a tie) and the contract follows. Returns
    the exit taken, or None when none is open (nothing happens this quarter). Past the contract's longstop
    the claim ends without a choice (the contract re-allots it or its seller takes it back)."""
    if past_longstop(model, plot, ob):
        ob.longstop()
        return LONGSTOP
    opts = options(model, owner, plot, ob)
    if not opts:
        return None
    choice = max(opts, key=lambda k: (opts[k], k == GO))
    values = ", ".join(f"{k} {v:+.1f}" for k, v in opts.items())
    terms = break_terms(model, owner, ob) if choice == BREAK_FEE else None
    how = f", the seller {terms[0]} (€{terms[1]:.1f} m)" if terms else ""
    due = rephased_due(model, owner) if choice == REPHASE else None
    if due is not None:
        how = (f", due at quarter {due}: its business case clears but it cannot finance it now; interest "
               f"€{rephasing_interest(model, ob, due):.2f} m on the agreed price from its due quarter")
    model.log(EXIT_EVENTS.get(terms[0] if terms else choice, ob.kind),
              f"{owner.name}, plot {plot.plot_id} {ob.kind}{note}: {choice}{how} ({values}; M€)",
              actor=owner.account, plot=plot.plot_id, amount=opts[choice])
    if choice == GO:
        ob.go[1]()
    elif choice == REPHASE:
        # no fee, no deferral used: the contract's phasing moves to what the partner can carry, and the
        # seller, who carries the land meanwhile, is paid interest on the agreed price from the original due date
        _pay_interest(model, owner, plot, ob, rephasing_interest(model, ob, due))
        plot.rephasings += 1
        ob.postpone(due)
    elif choice == DEFER:
        _pay_interest(model, owner, plot, ob, deferral_interest(model, ob.price))
        plot.deferrals += 1
        model.deferrals += 1
        ob.postpone(model.steps + 1)
    elif choice == BREAK_FEE and terms[0] == LEVY:
        paid = model.ledger.transfer(owner.account, ob.seller, terms[1], "break_fee")
        model.asks.record(owner, "bouwplicht", terms[1], terms[1] if paid else 0.0, plot=plot.plot_id)
        ob.release()
    elif choice == BREAK_FEE:
        if not ob.buy_back.take(terms[1]):
            return None
        return BUY_BACK
    else:
        ob.renegotiate[1]()
    return choice


def _pay_interest(model: "AreaDevelopmentModel", owner: "Owner", plot: "Plot", ob: Obligation,
                  interest: float) -> None:
    """The partner pays the seller interest on the land it carries for it (ledger kind ``deferred_land_payment``)."""
    paid = model.ledger.transfer(owner.account, ob.seller, interest, "deferred_land_payment")
    model.asks.record(owner, "bouwplicht", interest, interest if paid else 0.0, plot=plot.plot_id)
