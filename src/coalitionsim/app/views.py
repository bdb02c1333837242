"""What the app shows, as HTML and SVG strings built from a model.

Nothing here imports solara: :mod:`coalitionsim.app.components` wraps these builders into components.
Charts are inline SVG (see :mod:`.svgchart`), the plot map, the event log and the glossary are HTML, all
with English tooltips (``title``) on the Dutch terms. Everything works offline: no JavaScript chart library
is loaded in the browser, and a redraw after a step costs milliseconds.
"""

from __future__ import annotations

import html
import math
from collections import Counter
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..model.area import Status
from ..model.metrics import GROUPS, summary
from ..reporting.vocabulary import GLOSSARY, GROUP_NAMES
from ..runner.text import cut
from ..runner.tradeoff import AHEAD_RULE, tradeoff
from .svgchart import Chart, small_multiples

if TYPE_CHECKING:
    from ..model import AreaDevelopmentModel

# ------------------------------------------------------------------ vocabulary (Dutch term, English gloss)
STATUS_STYLE: dict[str, tuple[str, str, str]] = {  # status -> (colour, Dutch, English)
    Status.HELD.value: ("#d9d9d9", "in bezit", "held: no agreement or plan yet"),
    Status.AGREED.value: ("#c6dbef", "in overeenkomst / plan", "in an agreement, award or adopted plan"),
    Status.PERMIT_PROCEDURE.value: ("#fee391", "vergunningprocedure", "permit procedure running"),
    Status.PERMITTED.value: ("#fdae6b", "vergund", "permit granted, not started"),
    Status.CONSTRUCTION.value: ("#6baed6", "in aanbouw", "under construction"),
    Status.COMPLETED.value: ("#31a354", "opgeleverd", "completed"),
    Status.STALLED.value: ("#de2d26", "stilgevallen", "stalled: permitted but paused"),
    Status.WITHDRAWN.value: ("#525252", "teruggetrokken", "withdrawn"),
}

OWNER_STYLE: dict[str, tuple[str, str, str, str]] = {  # type -> (colour, letter, Dutch, English)
    "municipality": ("#7b3294", "G", "gemeente", "municipality"),
    "developer": ("#e66101", "O", "ontwikkelaar", "project developer"),
    "corporation": ("#0571b0", "C", "woningcorporatie", "housing corporation"),
    "landowner": ("#4d4d4d", "E", "particuliere eigenaar", "passive owner (does not develop)"),
}

#: every event kind the model logs -> (colour, Dutch term, English meaning). The app shows these on screen; the
#: ``kind`` values themselves (in events.parquet) are identifiers and stay as they are.
EVENT_STYLE: dict[str, tuple[str, str, str]] = {
    "negotiation": ("#6a51a3", "onderhandeling", "negotiation rounds open or go on"),
    "talks": ("#807dba", "overleg", "talks held this quarter (municipal capacity used)"),
    "holdout": ("#9e9ac8", "dwarsligger", "hold-out: an owner asks more than its share"),
    "backloop": ("#54278f", "terug naar het college", "beyond the mandate: referred back to the executive"),
    "escalation": ("#cb181d", "escalatie", "escalation to the steering group (stuurgroep)"),
    "agreement": ("#238b45", "overeenkomst", "agreement reached (SOK, GEM, sub-area agreement)"),
    "beslisboom": ("#3f007d", "beslisboom", "decision tree: the form chosen for a sub-area"),
    "review": ("#67000d", "herziening", "the council reviews a stalled arrangement: signatories keep their deal, the others get another form"),
    "plan": ("#2171b5", "plan / ontwikkelkader", "plan or framework adopted"),
    "initiative": ("#4a1486", "initiatief", "an owner's own plan amendment"),
    "tender": ("#08519c", "aanbesteding", "public tender: preparation, bids, award"),
    "work": ("#969696", "ambtelijk werk", "municipal staff work on a plan or permit"),
    "permit": ("#d94801", "vergunning", "permit"),
    "start": ("#4292c6", "bouwstart", "construction starts"),
    "bouwplicht": ("#8c2d04", "bouwplicht", "building obligation: the bound developer builds anyway"),
    "takeup": ("#a6611a", "grondafname", "an SOK partner takes up its land at the grondprijs"),
    "credit": ("#bcbddc", "krediet", "the council reserves a credit for a purchase or an expropriation"),
    "rephasing": ("#f6e8c3", "herfasering", "a partner whose business case clears but who cannot finance it now "
                  "moves its take-up or start to when its running projects free room, at interest on the agreed "
                  "land price"),
    "reallotment": ("#c7eae5", "herverdeling bouwclaim", "past its longstop an SOK partner's claim goes to another "
                    "partner who can carry it, or back to its seller"),
    "deferral": ("#dfc27d", "uitstel", "a partner defers its take-up or start a quarter, at interest"),
    "renegotiation": ("#80cdc1", "heronderhandeling", "programme or land price renegotiated"),
    "break_fee": ("#bf812d", "boete", "a partner breaks its land contract; the seller levies the agreed break fee"),
    "handback": ("#543005", "terugkoop", "the municipality buys the land back at the price paid minus the break fee"),
    "completion": ("#31a354", "oplevering", "homes completed"),
    "withdrawal": ("#525252", "terugtrekking", "an owner withdraws a plot"),
    "sale": ("#a6761d", "te koop", "an owner puts its plot up for sale"),
    "presale": ("#66a61e", "voorverkoop", "pre-sale: homes sold before construction starts, or sales dissolved"),
    "land": ("#7f2704", "grondverwerving", "land purchase or expropriation (onteigening)"),
    "land_market": ("#a63603", "grondmarkt", "a plot changes hands on the land market"),
    "objection": ("#fd8d3c", "zienswijze / bezwaar", "objection by residents (delays the procedure)"),
    "dropout": ("#a50f15", "afhaker", "drop-out: willing but unable for too long"),
    "dubbel toetsen": ("#e7298a", "dubbel toetsen", "asks scaled to what residents can carry"),
    "compensation": ("#c51b7d", "compensatie", "compensation for residents"),
    "contribution": ("#b35806", "bijdrage", "an owner cannot pay its enforced contribution in full"),
    "use_phase": ("#7f3b08", "beheer en exploitatie", "use phase: a charge not paid in full, or an owner that stops paying its dues"),
    "verevening": ("#01665e", "verevening", "cross-subsidy from the land bank to a plot"),
    "overdraft": ("#67000d", "tekort", "an account below its floor (overdraft)"),
    "rijk": ("#005a32", "Rijksbijdrage", "a tranche of the Rijk gebiedsbudget (central-government area budget)"),
    "council": ("#54278f", "gemeenteraadsverkiezing", "council election: ambitions may change"),
    "vote": ("#8c6d31", "BIZ/GIZ-stemming", "vote on a business or area investment zone"),
    "task": ("#006d2c", "gebiedsopgave", "area-wide collective task funded or delivered"),
    "plot_issue": ("#8c510a", "gronduitgifte", "the GEM issues a serviced plot (bouwclaim, social land price, tender)"),
    "phasing": ("#bf812d", "fasering", "the GEM or the municipality phases: land held back while its grondexploitatie waits"),
    "handover": ("#35978f", "overdracht", "a corporation short of room hands its social plot over"),
    "writedown": ("#67001f", "afwaardering / opheffing", "the municipality writes its land down to its forecast, or a stalled GEM winds up"),
}

GROUP_STYLE: dict[str, tuple[str, str]] = {  # group -> (colour, Dutch label)
    "municipality": ("#7b3294", "gemeente"),
    "developers": ("#e66101", "ontwikkelaars"),
    "corporations": ("#0571b0", "corporaties"),
    "owners": ("#4d4d4d", "ondernemers / eigenaren"),
    "residents": ("#1b7837", "bewoners"),
    "rijk": ("#b2182b", "Rijk"),
}



def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def term(dutch: str, english: str) -> str:
    """A Dutch term with its English gloss as tooltip."""
    return (f'<abbr title="{esc(english)}" style="text-decoration: underline dotted; cursor: help">'
            f"{esc(dutch)}</abbr>")


def quarter_label(step: int) -> str:
    return f"Q{step} (year {step // 4 + 1})"


# ------------------------------------------------------------------ charts (SVG strings)
FORM_COLOURS = ("#238b45", "#6a51a3")


def cumulative(model: AreaDevelopmentModel, attr: str) -> list[int]:
    """Homes that reached a pipeline date (``step_permit``, ``step_construction_start``, ``step_completion``)
    by each quarter 0..now, from the plots' own dates."""
    per_step = [0] * (model.steps + 1)
    for p in model.area.plots:
        s = getattr(p, attr)
        if s is not None and 0 <= s <= model.steps:
            per_step[s] += p.homes
    out, total = [], 0
    for v in per_step:
        total += v
        out.append(total)
    return out


def _years_chart(model: AreaDevelopmentModel, ylim: tuple[float, float], title: str, ylabel: str) -> Chart:
    horizon = model.scenario.simulation.horizon_quarters / 4
    chart = Chart((0, horizon), ylim, title=title, xlabel="years", ylabel=ylabel)
    chart.axes()
    chart.vline(model.steps / 4, colour="#999", tip=f"now: {quarter_label(model.steps)}")
    return chart


def realisation_chart(models: list[AreaDevelopmentModel], title: str | None = None,
                      test_id: str = "realisation-chart") -> str:
    """Cumulative homes completed and started (and permitted, for one model) against the plan."""
    m0 = models[0]
    planned = m0.area.homes_planned
    done = m0.area.homes_with(Status.COMPLETED)
    title = title or f"{done:,} of {planned:,} homes completed by {quarter_label(m0.steps)}"
    chart = _years_chart(m0, (0, planned * 1.1), title, "homes")
    chart.hline(planned, label=f"plan: {planned:,} homes")
    legend = []
    for i, m in enumerate(models):
        colour = FORM_COLOURS[i]
        x = [s / 4 for s in range(m.steps + 1)]
        if len(models) == 1:
            permitted = cumulative(m, "step_permit")
            chart.line(x, permitted, "#fd8d3c", 1.5, "2 2", f"permitted: {permitted[-1]:,} homes")
            legend.append(("vergund (permitted)", "#fd8d3c", "dash"))
        started = cumulative(m, "step_construction_start")
        completed = cumulative(m, "step_completion")
        chart.line(x, started, colour, 1.5, "5 3", f"{m.form_name}: started {started[-1]:,} homes")
        chart.line(x, completed, colour, 2.5, "", f"{m.form_name}: completed {completed[-1]:,} homes")
        legend += [(f"{m.form_name}: bouwstart (started)", colour, "dash"),
                   (f"{m.form_name}: opgeleverd (completed)", colour, "line")]
    chart.legend(legend, columns=2)
    return chart.svg(test_id, m0.steps, "realisation against the plan")


def asked_steps(model: AreaDevelopmentModel) -> list[bool]:
    """Per quarter 0..now: has anyone been asked to pay towards the area tasks yet (a voluntary ask, or a
    payment of any kind)? Before that the free-riding index (payments against the fair share of the costs
    incurred) is 1 by construction, which is no free riding: nobody was asked."""
    df = model.datacollector.get_model_vars_dataframe()
    if not len(df):
        return [False]
    asked = (df["voluntary_contribution_rate"].notna() | (df["free_riding_index"] < 1 - 1e-12)).cummax()
    return [bool(a) for a in asked]


def free_riding_text(model: AreaDevelopmentModel) -> str:
    """The free-riding index now, or a dash while nobody has been asked to pay."""
    if not asked_steps(model)[-1]:
        return "– (nothing asked yet)"
    return f"{model.contributions.free_riding_index():.2f}"


def owner_payments(model: AreaDevelopmentModel) -> list[dict[str, Any]]:
    """Per private owner (current owners of plots): fair share of the area-task costs incurred so far and what
    its plots paid (enforced and voluntary), M€."""
    c = model.contributions
    rows: dict[int, dict[str, Any]] = {}
    for p in c.private_plots():
        row = rows.setdefault(p.owner.unique_id, {"owner": p.owner.name, "type": p.original_owner_type,
                                                  "fair": 0.0, "paid": 0.0, "free_rider": p.owner.free_rider})
        row["fair"] += c.fair_share_incurred(p)
        row["paid"] += c.paid_by_plot[p.plot_id]
    return sorted((r for r in rows.values() if r["fair"] > 0 or r["paid"] > 0), key=lambda r: -r["fair"])


def free_riding_chart(model: AreaDevelopmentModel, limit: int = 14) -> str:
    """Per owner: fair share (grey) and paid (green: about all, orange: at least half, red: less than half)."""
    rows = owner_payments(model)[:limit]
    top = max([r["fair"] for r in rows] + [r["paid"] for r in rows] + [1.0])
    n = max(1, len(rows))
    chart = Chart((0, top * 1.05), (0, n), title=f"Meeliften (free riding) index {free_riding_text(model)}",
                  xlabel="M€ of area-task costs so far", margin=(136, 14, 28, 40), height=max(190, 68 + 20 * n))
    chart.axes(yticks=[], grid=True)
    for i, r in enumerate(rows):
        yc = n - i - 0.5
        share = r["paid"] / r["fair"] if r["fair"] > 0 else 1.0
        colour = "#31a354" if share >= 0.95 else "#fd8d3c" if share >= 0.5 else "#de2d26"
        tip = (f"{r['owner']} ({OWNER_STYLE.get(r['type'], ('', '', r['type'], ''))[2]}): paid €{r['paid']:.1f} m "
               f"of a fair share of €{r['fair']:.1f} m ({share:.0%})" + (" — free-rider type" if r["free_rider"] else ""))
        chart.rect(0, yc - 0.4, r["fair"], yc + 0.4, "#d9d9d9", tip=tip)
        chart.rect(0, yc - 0.22, r["paid"], yc + 0.22, colour, tip=tip)
        chart.raw(f'<text x="{chart.ml - 4}" y="{chart.y(yc) + 3.5:.1f}" font-size="10" text-anchor="end">'
                  f"{esc(cut(r['owner'], 18))}</text>")
    if not rows:
        chart.text(top / 2, n / 2, "no area-task costs incurred yet", anchor="middle")
    chart.legend([("fair share (eerlijk deel)", "#d9d9d9", "line"), ("paid ≥ 95%", "#31a354", "line"),
                  ("paid ≥ half", "#fd8d3c", "line"), ("paid < half", "#de2d26", "line")], columns=2)
    return chart.svg("free-riding-chart", model.steps, "paid against fair share per owner")


def support_capacity_chart(model: AreaDevelopmentModel) -> str:
    """Draagvlak (y) against draagkracht (x), one small chart per actor group so the groups stand apart: each
    actor now (small dots; several on one spot show as a darker dot) and the group's mean over time (a path
    ending in a large dot); the shaded corner is willing but unable."""
    thr = model.scenario.behaviour.willing_threshold
    df = model.datacollector.get_model_vars_dataframe()
    share = float(df["willing_unable_share"].iloc[-1]) if len(df) else 0.0
    cells = []
    for g in GROUPS:
        colour, label = GROUP_STYLE[g]
        members = [a for a in model.group_members(g) if not a.dropped_out]
        unable = sum(a.draagvlak >= thr and a.draagkracht < 1.0 for a in members)
        cell = Chart((0, 1.1), (0, 1.05), title=f"{label} ({GROUP_NAMES[g][1]})", width=232, height=128,
                     margin=(34, 10, 20, 22))
        cell.rect(0, thr, 1.0, 1.05, "#fee0d2", 0.7, tip="willing but unable: support without capacity")
        cell.axes(xticks=[0, 0.5, 1.0], yticks=[0, 0.5, 1.0])
        cell.hline(thr, colour="#999", dash="4 3")
        cell.vline(1.0, colour="#999", dash="4 3")
        for a in members:
            cell.point(min(a.draagkracht, 1.08), a.draagvlak, colour, r=2.6, opacity=0.35,
                       tip=f"{a.name}: draagvlak {a.draagvlak:.2f}, draagkracht {a.draagkracht:.2f}")
        xs, ys = list(df[f"draagkracht_{g}"].clip(upper=1.08)), list(df[f"draagvlak_{g}"])
        pairs = [(a, b) for a, b in zip(xs, ys) if math.isfinite(a) and math.isfinite(b)]
        if pairs:
            cell.line([a for a, _ in pairs], [b for _, b in pairs], colour, 1.2, "", f"{label}: mean over time")
            a, b = pairs[-1]
            cell.point(a, b, colour, r=5, stroke="black",
                       tip=f"{label} ({g}) mean now: draagvlak {b:.2f}, draagkracht {a:.2f}")
        cell.text(0.04, 0.06, f"n={len(members)}, {unable} unable", colour="#a50f15" if unable else "#555")
        cells.append(cell)
    legend = [("one actor now (darker: several)", "#999999", "dot"), ("group mean over time, ● now", "#444444", "line"),
              ("x: draagkracht (able to carry its part)", "", "none"), ("y: draagvlak (willing)", "", "none"),
              ("shaded: willing but unable", "#fee0d2", "dot")]
    return small_multiples(cells, 2, f"Willing but unable now: {share:.0%} of actors", legend, "support-capacity-chart",
                           model.steps, "draagvlak against draagkracht per actor group")


def trust_chart(models: list[AreaDevelopmentModel], test_id: str = "trust-chart") -> str:
    """Mean trust over time (and, for two forms, the free-riding index), elections and drop-outs marked."""
    m0 = models[0]
    chart = _years_chart(m0, (0, 1), "Vertrouwen (trust): dotted = council election, ▼ = drop-out", "")
    legend = []
    for step, kind, text, *_ in m0.events:
        if kind == "council":
            chart.vline(step / 4, colour="#54278f", dash="2 3", tip=f"Q{step}: {text}")
        elif kind == "dropout":
            chart.raw(f'<text x="{chart.x(step / 4):.1f}" y="{chart.y(0) - 3:.1f}" font-size="10" fill="#a50f15" '
                      f'text-anchor="middle">▼<title>{esc(f"Q{step}: {text}")}</title></text>')
    for i, m in enumerate(models):
        df = m.datacollector.get_model_vars_dataframe()
        x = [s / 4 for s in range(len(df))]
        trust = list(df["trust_mean"])
        chart.line(x, trust, FORM_COLOURS[i], 2.5, "", f"{m.form_name}: mean trust {trust[-1]:.2f}")
        legend.append((f"{m.form_name}: vertrouwen (trust)", FORM_COLOURS[i], "line"))
        if len(models) > 1:  # the free-riding index from the first quarter in which anyone was asked to pay
            fri = [v if asked else None for v, asked in zip(df["free_riding_index"], asked_steps(m))]
            chart.line(x, fri, FORM_COLOURS[i], 1.5, "5 3", f"{m.form_name}: free-riding index {free_riding_text(m)}")
            legend.append((f"{m.form_name}: free-riding index", FORM_COLOURS[i], "dash"))
    chart.legend(legend, columns=2)
    return chart.svg(test_id, m0.steps, "trust over time")


# ------------------------------------------------------------------ HTML panels
def plot_map_html(model: AreaDevelopmentModel, compact: bool = False, legend: bool = True) -> str:
    """The plots as squares grouped by sub-area (deelgebied): fill = status, letter and bar = owner type."""
    size = 24 if compact else 30
    parts = [f'<div data-testid="plot-map" data-step="{model.steps}" style="font-size: 12px">']
    for sub in model.area.subareas:
        plots = model.area.plots_in(sub)
        done = sum(p.homes for p in plots if p.status == Status.COMPLETED)
        total = sum(p.homes for p in plots)
        gate = "" if model.area.gate_open(sub) else " · gate closed: waiting for the access road (ontsluiting)"
        parts.append(f'<div style="margin: 4px 0 2px 0"><b>{term("deelgebied", "sub-area")} {esc(sub)}</b> '
                     f'— {done:,} of {total:,} homes completed{gate}</div>'
                     '<div style="display: flex; flex-wrap: wrap; gap: 3px">')
        for p in plots:
            fill, st_nl, st_en = STATUS_STYLE.get(p.status.value, ("#ffffff", p.status.value, p.status.value))
            oc, letter, ow_nl, ow_en = OWNER_STYLE.get(p.original_owner_type, ("#999999", "?", "?", "unknown"))
            tip = (f"plot {p.plot_id} in {sub}: {p.homes} homes\nstatus: {st_nl} ({st_en})\n"
                   f"land position: {ow_nl} ({ow_en}); now owned by {p.owner.name}\n"
                   f"objections: {p.objections}; contributions paid: €{model.contributions.paid_by_plot[p.plot_id]:.1f} m")
            text_colour = "white" if p.status.value in ("completed", "withdrawn", "stalled") else "black"
            parts.append(
                f'<div title="{esc(tip)}" data-status="{esc(p.status.value)}" data-owner="{esc(p.original_owner_type)}" style="width: {size}px; height: {size}px; '
                f'background: {fill}; border-bottom: 6px solid {oc}; box-sizing: border-box; border-radius: 3px; '
                f'display: flex; align-items: center; justify-content: center; font-weight: bold; '
                f'color: {text_colour}">{letter}</div>')
        parts.append("</div>")
    if legend:
        parts.append('<div style="margin-top: 8px; line-height: 1.9">')
        for colour, nl, en in STATUS_STYLE.values():
            parts.append(f'<span style="white-space: nowrap; margin-right: 8px"><span style="display: inline-block; '
                         f'width: 11px; height: 11px; background: {colour}; border-radius: 2px"></span> {term(nl, en)}</span>')
        parts.append("<br/>")
        for colour, letter, nl, en in OWNER_STYLE.values():
            parts.append(f'<span style="white-space: nowrap; margin-right: 8px"><b style="border-bottom: 4px solid '
                         f'{colour}">{letter}</b> {term(nl, en)}</span>')
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def event_badge(kind: str) -> str:
    """The Dutch term of an event kind as a coloured label, its English meaning as the tooltip."""
    colour, nl, en = EVENT_STYLE.get(kind, ("#737373", kind.replace("_", " "), kind.replace("_", " ")))
    return (f'<span title="{esc(en)}" style="background: {colour}; color: white; border-radius: 8px; '
            f'padding: 0 6px; font-size: 11px; white-space: nowrap; cursor: help">{esc(nl)}</span>')


def event_meaning(kind: str) -> str:
    return EVENT_STYLE.get(kind, ("", "", kind.replace("_", " ")))[2]


def event_log_html(model: AreaDevelopmentModel, limit: int = 120) -> str:
    """The events in plain language, newest first: each kind as its Dutch term, with its English meaning
    in the key above the table (and as a tooltip)."""
    events = model.events
    counts = Counter(e.kind for e in events)
    key = "".join(f'<div data-kind="{esc(k)}">{event_badge(k)} {n}× — {esc(event_meaning(k))}</div>'
                  for k, n in counts.most_common())
    rows = []
    for step, kind, text, *_ in reversed(events[-limit:]):
        rows.append(f'<tr data-kind="{esc(kind)}"><td style="white-space: nowrap; color: #555; vertical-align: top; '
                    f'width: 1%; padding-right: 6px">Q{step}</td><td style="vertical-align: top; width: 1%; '
                    f'padding-right: 6px">{event_badge(kind)}</td><td>{esc(text)}</td></tr>')
    body = "".join(rows) or '<tr><td colspan="3"><i>No events yet: press Step or ▶.</i></td></tr>'
    return (f'<div data-testid="event-log" data-count="{len(events)}" data-step="{model.steps}" '
            f'style="font-size: 12px">'
            f'<div style="margin-bottom: 4px">{len(events)} events by {quarter_label(model.steps)}; '
            f'each kind in Dutch, its English meaning here:</div>'
            f'<div data-role="event-key" style="line-height: 1.7; margin-bottom: 6px">{key}</div>'
            f'<table style="border-collapse: collapse; width: 100%">{body}</table></div>')


def glossary_html() -> str:
    rows = "".join(f"<tr><td style='padding-right: 10px; vertical-align: top'><b>{esc(nl)}</b></td><td>{esc(en)}</td></tr>"
                   for nl, en in GLOSSARY)
    return (f'<div data-testid="glossary" style="font-size: 12px"><table>{rows}</table></div>')


def _money(x: float) -> str:
    return f"€{x:,.1f} m"


def indicators(model: AreaDevelopmentModel) -> list[tuple[str, str]]:
    """Headline indicators of a model now, in the policy vocabulary."""
    planned = model.area.homes_planned
    done = model.area.homes_with(Status.COMPLETED)
    agreed = sum(p.homes for p in model.area.plots if p.step_agreement is not None)
    first = [p.step_agreement for p in model.area.plots if p.step_agreement is not None]
    return [
        ("homes completed (opgeleverd)", f"{done:,} of {planned:,} ({done / planned:.0%})" if planned else "0"),
        ("homes under construction (in aanbouw)", f"{model.area.homes_with(Status.CONSTRUCTION):,}"),
        ("homes in an agreement or plan", f"{agreed:,}"),
        ("first agreement", quarter_label(min(first)) if first else "not yet"),
        ("homes withdrawn (teruggetrokken)", f"{model.area.homes_with(Status.WITHDRAWN):,}"),
        ("free-riding index (meeliften)", free_riding_text(model)),
        ("area-task cost not paid privately", _money(model.contributions.funding_gap())),
        ("public balance (gemeente)", _money(model.public_balance)),
        ("Rijk paid (gebiedsbudget)", _money(model.rijk.paid)),
        ("negotiation rounds / escalations", f"{model.governance.rounds} / {model.governance.escalations}"),
        ("objections (bezwaren)", f"{model.objections} (+{model.delay_quarters_objections} quarters)"),
        ("drop-outs (afhakers)", f"{model.dropouts}"),
    ]


def overview_html(model: Any) -> str:
    """Scenario, form, seed, time; headline indicators; warnings; the equivalent command line."""
    sc = model.scenario
    when = f"<b>{quarter_label(model.steps)}</b> of {sc.simulation.horizon_quarters} quarters"
    parts = [f'<div data-testid="overview" data-step="{model.steps}" style="font-size: 13px">',
             '<div style="color: #555; margin-bottom: 4px">New here? Open the tab <b>Info: how to start</b>.</div>',
             f"<div><b>{esc(sc.meta.name)}</b> — {esc(sc.meta.description)}</div>",
             f"<div>Form <b>{esc(model.form_name)}</b>, seed {model.seed}, {when}</div>"]
    for msg in getattr(model, "errors", []):
        parts.append(f'<div style="color: #a50f15">⚠ {esc(msg)}</div>')
    for msg in getattr(model, "notes", []):
        parts.append(f'<div style="color: #8c6d31">ℹ {esc(msg)}</div>')
    parts.append('<table style="margin-top: 6px; border-collapse: collapse">')
    for label, value in indicators(model):
        parts.append(f"<tr><td style='padding-right: 12px'>{esc(label)}</td><td><b>{esc(value)}</b></td></tr>")
    parts.append("</table>")
    if getattr(model, "command_args", None):
        parts.append('<div style="margin-top: 6px; color: #555">Same run on the command line:</div>'
                     + command_html(model.command_args))
    parts.append("</div>")
    return "".join(parts)


def command_html(args: list[tuple[str, str]]) -> str:
    """The command line, wrapped between arguments: a flag never breaks, a long value only where it must."""
    words = " ".join(f'<span data-role="flag" style="white-space: nowrap">{esc(flag)}</span> '
                     f'<span data-role="value" style="overflow-wrap: anywhere">{esc(value)}</span>'
                     for flag, value in args)
    return (f'<code data-testid="command" style="display: block; font-size: 12px; white-space: normal; '
            f'line-height: 1.5">{words}</code>')


ONE_HISTORY = ("One run is one possible history: both forms here face the same market and the same chance events "
               "(one seed), but another seed can give another order. Change the seed to see how much the picture "
               "moves, or run <code>coalitionsim compare</code> for 20 seeded runs per form with their 90% intervals.")


def tradeoff_html(models: list[AreaDevelopmentModel]) -> str:
    """The one answer of every surface (:func:`coalitionsim.runner.tradeoff.tradeoff`) on the runs shown: with
    the app's single seed it says that one seed cannot show a difference beyond the run-to-run spread."""
    answer = tradeoff(pd.DataFrame([summary(m) for m in models]))
    return (f'<div data-testid="tradeoff" style="margin: 6px 0"><b>The answer so far:</b> {esc(answer.headline())} '
            f'<span style="color: #555">{esc(AHEAD_RULE)}</span></div>')


def comparison_html(a: AreaDevelopmentModel, b: AreaDevelopmentModel) -> str:
    """Headline indicators of two forms side by side, and what one seed can and cannot say about them."""
    rows = "".join(
        f"<tr><td style='padding-right: 12px'>{esc(la)}</td><td style='padding-right: 12px'><b>{esc(va)}</b></td>"
        f"<td><b>{esc(vb)}</b></td></tr>"
        for (la, va), (_, vb) in zip(indicators(a), indicators(b)))
    return (f'<div data-testid="comparison" data-step="{a.steps}" style="font-size: 13px">'
            f"<div>Same scenario <b>{esc(a.scenario.meta.name)}</b> and seed {a.seed}, {quarter_label(a.steps)}; "
            "both forms step together.</div>"
            f'<div data-testid="one-history" style="margin: 6px 0; padding: 4px 8px; background: #fff8e0; '
            f'border-left: 3px solid #d9a400">⚠ {ONE_HISTORY}</div>'
            f"{tradeoff_html([a, b])}"
            f'<table style="margin-top: 6px; border-collapse: collapse"><tr><th></th>'
            f"<th style='text-align: left'>{esc(a.form_name)}</th><th style='text-align: left'>{esc(b.form_name)}</th></tr>"
            f"{rows}</table></div>")


INFO = """
<div data-testid="info" style="font-size: 14px; line-height: 1.5; max-width: 900px">
<h3 style="margin: 4px 0">What this is</h3>
<p>coalitionsim simulates the development of one urban area (<i>gebiedsontwikkeling</i>) quarter by quarter. The
municipality (<i>gemeente</i>), project developers, housing corporations, residents (<i>bewoners</i>) and the
central government (<i>Rijk</i>) negotiate, contribute to the area-wide tasks and build. They do so under one of
the five governance forms of the NOVEX practice guide: a public tender, an SOK (co-operation agreement), a GEM
(joint land company), or a public framework with development per sub-area or plot by plot. Differences between
the forms come only from their rules (who holds the land, who can block, what is enforced), never from a
built-in speed or cost. The default numbers are assumptions: read the results as comparisons, not forecasts.</p>
<h3 style="margin: 4px 0">How to start</h3>
<ol>
<li>Press <b>Step</b> (one quarter) or <b>▶</b> (play) at the top; <i>Play speed</i> sets the pause between quarters. Watch the homes in the <i>Run</i> panel, the
plots on the map change colour, and the event log fill up.</li>
<li>Move a lever on the left (on a phone: open them with <b>☰ Levers</b>): land, owners, instruments, money. The run starts again at quarter 0 with the new
value. <b>Reset</b> also goes back to quarter 0 and keeps the levers.</li>
<li>Pick a second form under <b>Compare with</b> and open the tab <b>Two forms side by side</b>: both forms run
on the same area and the same seed.</li>
<li>The <i>Run</i> panel prints the same run as a <code>coalitionsim run</code> command, to repeat it outside the
browser.</li>
</ol>
<h3 style="margin: 4px 0">Things to try</h3>
<ul>
<li><b>Hold-outs.</b> Raise the <i>share of hold-out developers</i> under <code>sok</code> and step until the first
agreement. Then compare with <code>framework_organic</code>, where nobody can block.</li>
<li><b>Free riding.</b> Under <code>framework_organic</code>, switch <i>kostenverhaal</i> off and then switch
<i>kettingbeding</i> on. Watch <i>Wie betaalt?</i> (who paid their fair share) and the free-riding index.</li>
<li><b>Public land.</b> Set the <i>public land share</i> to 80% and compare <code>tender</code> with
<code>sok</code>.</li>
<li><b>Willing but unable.</b> Turn <i>dubbel toetsen</i> on, or add a <i>compensation budget</i>. Watch the
draagvlak–draagkracht panel and the drop-outs (<i>afhakers</i>) in the event log.</li>
<li><b>Money.</b> Add a Rijk <i>gebiedsbudget</i> and watch the public balance and what the Rijk paid.</li>
<li><b>Chance.</b> Change the <i>seed</i>: does the order of the two forms on the second tab stay the same? One run
is one possible history; <code>coalitionsim compare</code> runs 20 per form and reports their spread.</li>
</ul>
<p style="color: #555">Dutch terms carry their English meaning as a tooltip; the glossary panel lists them. Built
with Mesa (SolaraViz) and Solara. More in the README and <code>docs/ODD.md</code> of the coalitionsim
repository.</p>
</div>
"""


def info_html() -> str:
    """The app's info page (like NetLogo's Info tab): what the model is, how to start, things to try."""
    return INFO
