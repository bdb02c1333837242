"""Exits from a land contract: one mechanism for every contract that binds a partner to take up land or to
start building on it (the tender's bouwplicht, the SOK's take-up of its partners' land and the start on it).

When the obligation falls due and the partner would not go ahead by its business case, it chooses the best
of the exits the contract leaves open (values in M€, from the partner's side):

- *going ahead* (building anyway, or taking up and building): what the contract's business case earns now;
- *deferring* one quarter, at most ``instruments.max_deferral_quarters`` times per obligation: the seller
  carries the land a quarter longer and is paid interest on the contract's land price for it
  (``market.interest_rate``, ledger kind ``deferred_land_payment``);
- *renegotiating* the programme or the price once per plot (what the contract concedes);
- *paying the agreed break fee*, ``instruments.build_obligation_penalty`` × the contract's land price to the
  seller (ledger kind ``break_fee``), which ends the obligation;
- *handing the land back* where the contract gives the seller a buy-back (terugkooprecht).

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
BREAK_FEE = "pays the break fee"
HAND_BACK = "hands the land back"

# the event kind each exit is logged under; going ahead is logged under the contract's own kind
EXIT_EVENTS = {DEFER: "deferral", RENEGOTIATE: "renegotiation", BREAK_FEE: "break_fee", HAND_BACK: "handback"}

Option = tuple[float, Callable[[], bool]]  # what the exit is worth to the partner, and what doing it does


@dataclass
class Obligation:
    """What falls due on one plot under one contract, and what each of its exits would do.

    ``kind`` names the contract ("bouwplicht", "takeup"), ``price`` the land price it names (paid at the
    award, or due at the take-up), ``seller`` the account that carries the land and receives the interest
    and the fee. ``go``, ``renegotiate`` and ``hand_back`` are None where that exit is not open. ``postpone``
    moves the due date by a quarter; ``release`` ends the obligation once the fee is paid."""

    kind: str
    price: float
    seller: str
    go: Option | None
    renegotiate: Option | None
    hand_back: Option | None
    postpone: Callable[[], None]
    release: Callable[[], None]


def deferral_interest(model: "AreaDevelopmentModel", price: float) -> float:
    """A quarter's interest on the deferred land price (M€)."""
    return max(0.0, price) * model.market.interest_rate / 4.0


def break_fee(model: "AreaDevelopmentModel", price: float) -> float:
    """The agreed break fee (M€): ``instruments.build_obligation_penalty`` × the contract's land price."""
    return model.scenario.instruments.build_obligation_penalty * max(0.0, price)


def options(model: "AreaDevelopmentModel", owner: "Owner", plot: "Plot", ob: Obligation) -> dict[str, float]:
    """The exits open to the partner and what each is worth to it (M€)."""
    ins = model.scenario.instruments
    out: dict[str, float] = {}
    if ob.go is not None:
        out[GO] = ob.go[0]
    interest = deferral_interest(model, ob.price)
    if plot.deferrals < ins.max_deferral_quarters and owner.free_cash >= interest:
        out[DEFER] = -interest
    fee = break_fee(model, ob.price)
    if owner.free_cash >= fee:
        out[BREAK_FEE] = -fee
    if ob.hand_back is not None:
        out[HAND_BACK] = ob.hand_back[0]
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
    model.log(EXIT_EVENTS.get(choice, ob.kind), f"{owner.name}, plot {plot.plot_id} {ob.kind}{note}: {choice} "
              f"({values}; M€)", actor=owner.account, plot=plot.plot_id, amount=opts[choice])
    if choice == GO:
        ob.go[1]()
    elif choice == DEFER:
        interest = deferral_interest(model, ob.price)
        paid = model.ledger.transfer(owner.account, ob.seller, interest, "deferred_land_payment")
        model.asks.record(owner, "bouwplicht", interest, interest if paid else 0.0, plot=plot.plot_id)
        plot.deferrals += 1
        model.deferrals += 1
        ob.postpone()
    elif choice == BREAK_FEE:
        fee = break_fee(model, ob.price)
        paid = model.ledger.transfer(owner.account, ob.seller, fee, "break_fee")
        model.asks.record(owner, "bouwplicht", fee, fee if paid else 0.0, plot=plot.plot_id)
        ob.release()
    elif choice == HAND_BACK:
        if not ob.hand_back[1]():
            return None
    else:
        ob.renegotiate[1]()
    return choice
