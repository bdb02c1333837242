"""Exits from a land contract: one mechanism for every contract that binds a partner to take up land or to
start building on it (the tender's bouwplicht, the SOK's take-up of its partners' land and the start on it).

When the obligation falls due and the partner would not go ahead by its business case, it chooses the best
of the exits the contract leaves open (values in M€, from the partner's side):

- *going ahead* (building anyway, or taking up and building): what the contract's business case earns now;
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

if TYPE_CHECKING:
    from .agents.base import Owner
    from .area import Plot
    from .model import AreaDevelopmentModel

GO = "builds anyway"
DEFER = "defers"
RENEGOTIATE = "renegotiates"
BREAK_FEE = "breaks the contract"
# how the seller ends a break: it levies the fee, or it buys the land back (terugkooprecht)
LEVY = "levies the break fee"
BUY_BACK = "buys the land back"

# the event kind each exit is logged under; going ahead is logged under the contract's own kind, a break
# under the seller's choice
EXIT_EVENTS = {DEFER: "deferral", RENEGOTIATE: "renegotiation", LEVY: "break_fee", BUY_BACK: "handback"}

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
    ``postpone`` moves the due date by a quarter; ``release`` ends the obligation once the fee is levied."""

    kind: str
    price: float
    agreed: float
    seller: str
    go: Option | None
    renegotiate: Option | None
    buy_back: BuyBack | None
    postpone: Callable[[], None]
    release: Callable[[], None]


def deferral_interest(model: "AreaDevelopmentModel", price: float) -> float:
    """A quarter's interest on the deferred land price (M€)."""
    return max(0.0, price) * model.market.interest_rate / 4.0


def break_fee(model: "AreaDevelopmentModel", agreed: float) -> float:
    """The agreed break fee (M€): ``instruments.build_obligation_penalty`` × the contract's agreed land price
    (what was paid or contracted, not what the land fetches today)."""
    return model.scenario.instruments.build_obligation_penalty * max(0.0, agreed)


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
    the exit taken, or None when none is open (nothing happens this quarter)."""
    opts = options(model, owner, plot, ob)
    if not opts:
        return None
    choice = max(opts, key=lambda k: (opts[k], k == GO))
    values = ", ".join(f"{k} {v:+.1f}" for k, v in opts.items())
    terms = break_terms(model, owner, ob) if choice == BREAK_FEE else None
    how = f", the seller {terms[0]} (€{terms[1]:.1f} m)" if terms else ""
    model.log(EXIT_EVENTS.get(terms[0] if terms else choice, ob.kind),
              f"{owner.name}, plot {plot.plot_id} {ob.kind}{note}: {choice}{how} ({values}; M€)",
              actor=owner.account, plot=plot.plot_id, amount=opts[choice])
    if choice == GO:
        ob.go[1]()
    elif choice == DEFER:
        model.ledger.transfer(owner.account, ob.seller, deferral_interest(model, ob.price), "deferred_land_payment")
        plot.deferrals += 1
        model.deferrals += 1
        ob.postpone()
    elif choice == BREAK_FEE and terms[0] == LEVY:
        model.ledger.transfer(owner.account, ob.seller, terms[1], "break_fee")
        ob.release()
    elif choice == BREAK_FEE:
        if not ob.buy_back.take(terms[1]):
            return None
        return BUY_BACK
    else:
        ob.renegotiate[1]()
    return choice
