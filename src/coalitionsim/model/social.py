"""Corporations by their own rules (process step 4 for a corporation's plot).

A housing corporation builds its social homes within its investment room (headroom, refilled by its
rents), at the pace its prestatieafspraken with the municipality ask (a yearly social-homes target for the
area, ``programme.social_homes_per_year``); it asks no margin, so it never withdraws a social plot on its
margin. Short of room it waits; after ``behaviour.corporation_handover_quarters`` it hands the plot, at the
social land price, to another corporation that can start it, or, when its own rents will not make the room
within another such wait, back to the municipality. In every form it keeps its social plots, or takes them
back from a land company, at the social land price (``governance/gem.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .agents.corporation import Corporation
from .area import Plot, Status
from .asks import CANNOT_FINANCE
from .land import transfer

if TYPE_CHECKING:
    from .model import AreaDevelopmentModel


def decide_social_plot(model: "AreaDevelopmentModel", corp: Corporation, plot: Plot) -> None:
    """Ask for its procedure and permit, then start within its room and its programme, or wait."""
    m = model
    if corp.dropped_out or plot.for_sale:
        return
    if plot.status == Status.HELD:
        if m.frame_in_force and not plot.in_plan and not plot.in_agreement:
            m.apply_for_initiative(plot)
    elif plot.status == Status.AGREED:
        m.apply_for_permit(plot)
    elif plot.status in (Status.PERMITTED, Status.STALLED):
        inv = m.investment(plot)
        room = corp.can_finance(plot, inv)
        if room and m.area.gate_secured(plot.subarea) and programme_allows(m, plot) and m.presale_reached(plot):
            corp.short_of_room.pop(plot.plot_id, None)
            m.start_construction(plot, inv)
            return
        plot.status = Status.STALLED
        plot.stalled_quarters += 1
        if room:
            corp.short_of_room.pop(plot.plot_id, None)
            return
        waited = corp.short_of_room[plot.plot_id] = corp.short_of_room.get(plot.plot_id, 0) + 1
        if waited >= m.scenario.behaviour.corporation_handover_quarters:
            hand_over(m, corp, plot)


def programme_allows(model: "AreaDevelopmentModel", plot: Plot) -> bool:
    """The prestatieafspraken's yearly social-homes target for the area, as a cumulative programme: the
    corporations start social homes up to the target times the years begun (a year short may be caught
    up); the first start of a year always goes (a plot larger than a year's target is not barred)."""
    year = model.steps // 4
    started = this_year = 0
    for p in model.area.plots:
        if isinstance(p.owner, Corporation) and p.step_construction_start is not None:
            social = p.segment_homes["social"]
            started += social
            this_year += social if p.step_construction_start // 4 == year else 0
    target = model.scenario.programme.social_homes_per_year
    return this_year == 0 or started + plot.segment_homes["social"] <= target * (year + 1)


def hand_over(model: "AreaDevelopmentModel", corp: Corporation, plot: Plot) -> None:
    """After its documented wait: to another corporation that can start the plot now, at the social land
    price; else, when its rents will not make the room within another such wait, back to the municipality
    at that price (which issues it as its form does); otherwise it keeps waiting and builds later."""
    m = model
    price = m.scenario.municipality.social_land_price * plot.homes
    others = [c for c in m.owners if isinstance(c, Corporation) and c is not corp and c.room_for(plot, price)]
    wait = m.scenario.behaviour.corporation_handover_quarters
    if others:
        taker = max(others, key=lambda c: (c.free_cash, -c.unique_id))
        if transfer(m, plot, taker, price):
            corp.short_of_room.pop(plot.plot_id, None)
            m.log("handover", f"{corp.name} hands plot {plot.plot_id} to {taker.name} at the social land price "
                  f"after {wait} quarters without investment room", actor=corp.account, plot=plot.plot_id,
                  amount=price)
            m.asks.drop_out(corp, CANNOT_FINANCE, f"hands plot {plot.plot_id} over: no investment room for it")
        return
    mun = m.municipality
    if corp.free_cash + corp.headroom_growth * wait >= corp.unprofitable_top(plot) or not mun.can_spend(price):
        return
    if transfer(m, plot, mun, price):
        corp.short_of_room.pop(plot.plot_id, None)
        plot.status = Status.HELD  # its permit lapses with the land handed back (as under a bouwplicht)
        plot.step_permit = plot.step_permit_application = None
        m.log("handover", f"{corp.name} hands plot {plot.plot_id} back to the municipality at the social land "
              "price: its room will not carry it", actor=corp.account, plot=plot.plot_id, amount=price)
        m.asks.drop_out(corp, CANNOT_FINANCE, f"hands plot {plot.plot_id} back: its room will not carry it")
        pool = getattr(m.form_for(plot), "pool", None)
        if pool is not None:
            pool.add([plot])
