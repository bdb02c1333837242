"""Outputs with the names fixed by the design (section 7): per-step series, per-run summary, per-project rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import mesa

from .area import Status
from .asks import DROPOUT_GROUPS

if TYPE_CHECKING:
    from .model import AreaDevelopmentModel

GROUPS = ("municipality", "developers", "corporations", "owners", "residents", "rijk")


def actor_reports(model: "AreaDevelopmentModel") -> dict[str, float]:
    """The step reporters over the actors, group by group, each actor's state read once: the group means of
    draagvlak and draagkracht (``draagvlak_<group>``, ``draagkracht_<group>``: resident groups weighted by
    their households, drop-outs left out), the share of all actors willing but unable now
    (``willing_unable_share``; household groups count once each) and, of the actors of a drop-out group with
    an ask due now (``Actor.has_ask_due``), the share willing but unable (``willing_unable_share_<group>``;
    NaN when none of them is asked: an actor with nothing due is not asked, not able, and counting it as
    able would dilute the share by how many are never asked). (Fifteen reporters walked the actors one by
    one before; the sums are over the same lists in the same order.)"""
    nan = float("nan")
    reports: dict[str, float] = {}
    unable = everyone = 0  # counts: the overall share is the same summed group by group
    for g in GROUPS:
        members = model.group_members(g)
        live = [a for a in members if not a.dropped_out]
        if g == "residents":  # weighted by households
            total = sum([a.households for a in live])
            reports[f"draagvlak_{g}"] = sum([a.draagvlak * a.households for a in live]) / total if total else nan
            reports[f"draagkracht_{g}"] = sum([a.draagkracht * a.households for a in live]) / total if total else nan
        else:  # each actor counts once
            reports[f"draagvlak_{g}"] = sum([a.draagvlak for a in live]) / len(live) if live else nan
            reports[f"draagkracht_{g}"] = sum([a.draagkracht for a in live]) / len(live) if live else nan
        willing_unable = [a.willing_unable for a in members]
        unable += sum(willing_unable)
        everyone += len(members)
        if g in DROPOUT_GROUPS:
            asked = [wu for a, wu in zip(members, willing_unable) if a.has_ask_due]
            reports[f"willing_unable_share_{g}"] = sum(asked) / len(asked) if asked else nan
    reports["willing_unable_share"] = unable / everyone if everyone else 0.0
    return reports


def _from_actors(name: str) -> Callable[["AreaDevelopmentModel"], float]:
    """A reporter of :func:`actor_reports` on its own (``StepCollector`` works them all out in one pass)."""
    return lambda model: actor_reports(model)[name]


def willing_unable_share(model: "AreaDevelopmentModel") -> float:
    """Share of actors (household groups count once each) that are willing but unable now."""
    return actor_reports(model)["willing_unable_share"]


def group_willing_unable_share(model: "AreaDevelopmentModel", group: str) -> float:
    """Share of the group's actors with an ask due now that are willing but unable (see
    :func:`actor_reports`)."""
    return actor_reports(model)[f"willing_unable_share_{group}"]


def trust_mean(model: "AreaDevelopmentModel") -> float:
    actors = [a for a in model.actors() if a is not model.municipality]
    return sum([a.trust for a in actors]) / len(actors) if actors else float("nan")


def form_in_force(model: "AreaDevelopmentModel") -> str:
    """The form governing most homes this quarter (``Plot.governing_form``: under framework_subareas the
    deelgebied's own form, after a review the form that took the plots over); ties go to the first name."""
    homes: dict[str, int] = {}
    for p in model.area.plots:
        form = p.governing_form
        homes[form] = homes.get(form, 0) + p.homes
    return min(homes, key=lambda f: (-homes[f], f)) if homes else model.form_name


STEP_REPORTERS: dict[str, Callable[["AreaDevelopmentModel"], Any]] = {
    "homes_completed": lambda m: m.area.homes_with(Status.COMPLETED),
    "homes_started": lambda m: m.homes_started_step,
    "homes_permitted": lambda m: m.homes_permitted_step,
    # market homes sold before their construction start so far (dissolved sales of a withdrawn plot out)
    "homes_presold": lambda m: sum([p.presold for p in m.area.plots]),
    "voluntary_contribution_rate": lambda m: m.contributions.voluntary_contribution_rate,
    # payments to date against the full fair share: starts at 1 and falls as contributions arrive
    "free_riding_index": lambda m: m.contributions.free_riding_index(),
    "funding_gap": lambda m: m.contributions.funding_gap(),
    **{f"draagvlak_{g}": _from_actors(f"draagvlak_{g}") for g in GROUPS},
    **{f"draagkracht_{g}": _from_actors(f"draagkracht_{g}") for g in GROUPS},
    "willing_unable_share": _from_actors("willing_unable_share"),
    **{f"willing_unable_share_{g}": _from_actors(f"willing_unable_share_{g}") for g in DROPOUT_GROUPS},
    "trust_mean": trust_mean,
    "objections": lambda m: m.objections,
    "public_balance": lambda m: m.public_balance,
    "price_index": lambda m: m.market.price_index,
    "cost_index": lambda m: m.market.cost_index,
    "interest_rate": lambda m: m.market.interest_rate,
    "form_in_force": form_in_force,
}


class StepCollector(mesa.DataCollector):
    """Mesa's DataCollector over :data:`STEP_REPORTERS` without its deep copy of every value (~3,000 a run):
    each reporter returns a number or a string, which a deep copy returns as it is. The series, and
    ``get_model_vars_dataframe``, are Mesa's."""

    def __init__(self) -> None:
        super().__init__(model_reporters=STEP_REPORTERS)

    def collect(self, model: "AreaDevelopmentModel") -> None:
        actors = actor_reports(model)  # the reporters over the actors, in one pass rather than one each
        for name, reporter in self.model_reporters.items():
            self.model_vars[name].append(actors[name] if name in actors else reporter(model))


def public_assets(model: "AreaDevelopmentModel") -> float:
    """What the municipality still owns in the area at the end, at market value: the plots it holds and
    its share of a joint company (GEM) that has not yet settled (the company's money and unbuilt land). A
    company that ends in debt makes that share a liability, so the value can be negative under gem."""
    from .development import market_value

    mun = model.municipality
    value = sum(market_value(model, p) for p in model.area.plots_of(mun) if p.is_open)
    for owner in model.owners:
        share = getattr(owner, "shares", {}).get(mun.unique_id, 0.0)
        if share and not getattr(owner, "settled", True):
            nav = owner.balance + sum(market_value(model, p) for p in owner.plots() if p.is_open)
            value += share * nav
    return value


def gem_land_result(model: "AreaDevelopmentModel") -> float:
    """The GEM's realised land result (M€): plot revenue (and the cost recovery it received) minus the land
    it issued at book value, servicing, public works, its area-task contributions and interest; NaN
    outside the GEM or when no company was founded."""
    company = getattr(model.governance, "company", None) if model.form_name == "gem" else None
    return float("nan") if company is None else company.land_result()


def _first(values: list[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _years(step: int | None) -> float:
    return float("nan") if step is None else step / 4.0


def completion_time(model: "AreaDevelopmentModel", share: float) -> int | None:
    """First quarter by which ``share`` of the planned homes were completed (None if never)."""
    target = share * model.area.homes_planned
    done = sorted((p.step_completion, p.homes) for p in model.area.plots if p.step_completion is not None)
    total = 0
    for step, homes in done:
        total += homes
        if total >= target - 1e-9:
            return step
    return None


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted keys for nested dicts and lists (the same paths ``--set`` takes)."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(data, list) and data and isinstance(data[0], (dict, list)):
        for i, v in enumerate(data):
            out.update(flatten(v, f"{prefix}{i}."))
    else:
        out[prefix[:-1]] = data if not isinstance(data, list) else ",".join(map(str, data))
    return out


def summary(model: "AreaDevelopmentModel") -> dict[str, Any]:
    """The per-run summary row (design section 7)."""
    area = model.area
    plots = area.plots
    planned = area.homes_planned
    completed = area.homes_with(Status.COMPLETED)
    horizon_years = model.steps / 4.0
    t50, t90 = completion_time(model, 0.5), completion_time(model, 0.9)
    ts = model.datacollector.get_model_vars_dataframe()
    social_done = sum(p.segment_homes["social"] for p in plots if p.status == Status.COMPLETED)
    assets = public_assets(model)
    row: dict[str, Any] = {
        "scenario": model.scenario.meta.name,
        "form": model.form_name,
        "seed": model.seed,
        "homes_planned": planned,
        "homes_completed": completed,
        "realisation_share": completed / planned if planned else 0.0,
        "years_to_agreement": _years(_first([p.step_agreement for p in plots])),
        "years_to_first_home": _years(_first([p.step_completion for p in plots])),
        "t50_years": _years(t50),
        "t90_years": _years(t90),
        "t50_censored": t50 is None,
        "t90_censored": t90 is None,
        "homes_per_year": completed / horizon_years if horizon_years else 0.0,
        "permit_to_start_months": permit_to_start_months(model),
        "free_riding_index": model.contributions.free_riding_index(),
        "free_rider_share": model.contributions.free_rider_share(),
        "funding_gap_share": model.contributions.funding_gap() / max(1e-9, model.contributions.total_cost()),
        # the use phase's share of service cost unfunded, and its members that stopped paying (use_phase.py)
        "use_phase_funding_gap": model.use_phase.funding_gap,
        "use_phase_dropouts": model.use_phase.dropouts,
        # what resident groups were asked for their tasks and did not pay (drop-outs leave it open)
        "resident_funding_gap": sum(t.resident_asked - t.resident_paid for t in area.tasks),
        "willing_unable_share": float(ts["willing_unable_share"].mean()),
        "dropouts": model.dropouts,
        "deferrals": model.deferrals,  # quarters a land obligation was deferred (take-up or start)
        # reviews that gave plots to another form (governance/review.py); `form` stays the form chosen at the start
        "form_switches": len(model.review.switches),
        "households_dropped": model.households_dropped,
        # net public spending by the municipality after Rijk money, with what it still owns at market value
        "public_deficit": -model.public_balance - assets + 0.0,  # (+ 0.0: no "-0.0")
        "public_assets": assets,
        "gem_land_result": gem_land_result(model),
        # the municipality's write-downs of its land's book value: a book entry, already in public_deficit
        # through the price it got (or the value it holds), so reported beside it and never added to it
        "writedown": sum(e.amount for e in model.events if e.kind == "writedown"),
        "bought_land_share": bought_land_share(model),
        "rijk_subsidy": model.rijk.paid,
        "social_share_realised": social_done / completed if completed else float("nan"),
        "social_share_target": model.scenario.programme.social_share_target,
        "negotiation_rounds": model.governance.rounds,
        "escalations": model.governance.escalations,
        "backloops": model.backloops,
        "objections": model.objections,
        "delay_quarters_objections": model.delay_quarters_objections,
        "trust_mean": trust_mean(model),
        "homes_withdrawn": area.homes_with(Status.WITHDRAWN),
        # under framework_subareas: the form the beslisboom gave each deelgebied ("Noord=sok;Zuid=...")
        "subarea_forms": ";".join(f"{k}={v}" for k, v in getattr(model.governance, "subarea_forms", {}).items()),
        "voluntary_contribution_rate": _mean(model.contributions.voluntary_rates),
    }
    for g in DROPOUT_GROUPS:
        # per group: of the actors asked in the run, the share willing but unable when asked (NaN: none
        # asked), and the actors that dropped out (reasons in the event log)
        row[f"willing_unable_share_{g}"] = model.asks.willing_unable_share(g)
        row[f"dropouts_{g}"] = model.asks.dropouts.get(g, 0)
    for g in GROUPS:
        row[f"gap_{g}"] = float((ts[f"draagvlak_{g}"] - ts[f"draagkracht_{g}"]).mean())
    row.update({f"param.{k}": v for k, v in flatten(model.scenario.to_dict()).items()})
    return row


def bought_land_share(model: "AreaDevelopmentModel") -> float:
    """The share of the planned homes on land the municipality acquired during the run and did not own at
    the start (bought, pre-empted, expropriated or taken over from a land company), under every form."""
    planned = model.area.homes_planned
    bought = model.acquisition.bought
    return sum(p.homes for p in model.area.plots if p.plot_id in bought) / planned if planned else 0.0


def permit_to_start_months(model: "AreaDevelopmentModel") -> float:
    """Median months from permit to construction start over the plots that started (NaN if none)."""
    waits = sorted(3 * (p.step_construction_start - p.step_permit) for p in model.area.plots
                   if p.step_permit is not None and p.step_construction_start is not None)
    if not waits:
        return float("nan")
    mid = len(waits) // 2
    return float(waits[mid]) if len(waits) % 2 else (waits[mid - 1] + waits[mid]) / 2


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def projects(model: "AreaDevelopmentModel") -> list[dict[str, Any]]:
    """One row per plot with its owner type, programme and pipeline steps."""
    rows = []
    for p in model.area.plots:
        seg = p.segment_homes
        rows.append({
            "scenario": model.scenario.meta.name, "form": model.form_name, "seed": model.seed,
            "plot": p.plot_id, "subarea": p.subarea, "owner": p.owner.name,
            "owner_type": p.original_owner_type, "homes": p.homes, "existing_use_value": p.existing_use_value,
            "homes_social": seg["social"], "homes_mid": seg["mid"], "homes_market": seg["market"],
            "status": p.status.value, "route": p.route, "governing_form": p.governing_form,
            "step_agreement": p.step_agreement, "step_initiative": p.step_initiative,
            "step_permit_application": p.step_permit_application,
            "step_permit": p.step_permit, "step_construction_start": p.step_construction_start,
            "step_presale_reached": p.step_presale_reached, "homes_presold": p.presold,
            "step_completion": p.step_completion, "step_withdrawal": p.step_withdrawal,
            "objections": p.objections, "procedures": p.procedures, "refusals": p.refusals,
            "margin_at_start": p.margin_at_start,
            "contributions_paid": model.contributions.paid_by_plot[p.plot_id],
            "fair_share": model.contributions.fair_share_incurred(p),
        })
    return rows


def run_table(model: "AreaDevelopmentModel", df):
    """``df`` with the run's scenario, form and seed as its first columns."""
    df = df.copy()
    df.insert(0, "seed", model.seed)
    df.insert(0, "form", model.form_name)
    df.insert(0, "scenario", model.scenario.meta.name)
    return df


def timeseries(model: "AreaDevelopmentModel"):
    """The per-step series as a DataFrame with scenario, form, seed and step columns."""
    return run_table(model, model.datacollector.get_model_vars_dataframe().reset_index(names="step"))
