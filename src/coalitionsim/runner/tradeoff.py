"""The answer as a trade-off: per criterion the forms ahead beyond the run-to-run spread, and the Pareto set.

This is the one function every surface uses to state its answer (the report's first screen, ``compare``'s
closing lines and its JSON, ``advise --simulate``, the archetype map and the app's comparison tab). It never
names a single "best" form: there is no tie-break and no weighting between criteria.

- **Criteria** (:data:`CRITERIA`, declared here as data; a new criterion is one line): each with its
  direction. A ``t50_years`` not reached within the horizon counts as the horizon and is marked.
- **Ahead beyond the spread** (:data:`AHEAD_RULE`): form A is ahead of form B on a criterion when the 90%
  interval (5th–95th percentile) of the paired per-seed differences A − B (over the seeds both ran, from
  :func:`coalitionsim.runner.stats.paired`) lies wholly on A's side of zero. Zero itself is not a side: an
  interval that touches zero shows no difference. Fewer than :data:`MIN_SEEDS` common seeds show none.
- **Dominance and the Pareto set**: A dominates B when A is ahead of B on at least one criterion and B is
  ahead of A on none; the Pareto set is the forms no other form dominates. Two forms cannot dominate each
  other. Dominance can still run in a circle through three forms on different criteria (A over B on speed,
  B over C on cost, C over A on free riding); then no form of the circle is undominated, and the set keeps
  the forms of every circle that no form outside it dominates (the set is never empty), and says so.
- **A single form** is named on a criterion only where it is ahead of every other form
  (:attr:`CriterionResult.leader`); otherwise the answer lists who is ahead of whom, or says there is no
  clear difference on that criterion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .stats import CENSORED, MIN_RUNS_FOR_INTERVAL, Paired, paired, paired_values, quantiles, seed_values


@dataclass(frozen=True)
class Criterion:
    """One criterion of the answer: a summary column, its direction and its words."""

    metric: str
    lower_is_better: bool
    short: str  # a few words for a list ("speed (t50)")
    label: str  # what it measures, in plain words
    ahead_word: str  # "A <ahead_word> than B", e.g. "is faster"
    unit: str = ""


#: the criteria of the answer, in the order every surface shows them (per-group measures: one line each)
CRITERIA: tuple[Criterion, ...] = (
    Criterion("t50_years", True, "speed (t50)", "years until half the planned homes are completed",
              "is faster", " years"),
    Criterion("realisation_share", False, "share of the plan completed",
              "realisatiegraad: share of the planned homes completed", "realises more of the plan"),
    Criterion("public_deficit", True, "public deficit", "publiek tekort: what the public pays, net (M€)",
              "costs the public less", " M€"),
    Criterion("free_riding_index", True, "free riding", "meeliftindex: shortfall below the fair share of the "
              "area-wide tasks ÷ that fair share", "leaves less free riding"),
    Criterion("willing_unable_share", True, "willing but unable",
              "willen maar niet kunnen: share of actors willing but unable", "leaves fewer actors willing but unable"),
)
CRITERION = {c.metric: c for c in CRITERIA}

#: the definition every output that uses it states
AHEAD_RULE = ("A form is ahead of another on a criterion only when the 90% interval (5th–95th percentile) of their "
              "paired per-seed differences lies wholly on its side of zero (a t50 not reached counts as the "
              "horizon); no weighting, no tie-break.")
#: below this many common seeds there is no spread, so no difference can be shown beyond it
MIN_SEEDS = 2
#: the money column of 'the price of choosing each form'
PRICE = "public_deficit"


@dataclass
class CriterionResult:
    """One criterion over all forms: every ordered pair's paired comparison and who is ahead of whom."""

    criterion: Criterion
    pairs: dict[tuple[str, str], Paired]  # (a, b) -> a − b over their common seeds
    ahead: dict[str, list[str]]  # form -> the forms it is ahead of
    not_reached: dict[str, int] = field(default_factory=dict)  # censored times: runs per form counted as the horizon

    @property
    def metric(self) -> str:
        return self.criterion.metric

    @property
    def leader(self) -> str | None:
        """The one form ahead of every other form, else None (no single form is named)."""
        forms = list(self.ahead)
        leaders = [f for f in forms if len(forms) > 1 and set(self.ahead[f]) == set(forms) - {f}]
        return leaders[0] if len(leaders) == 1 else None

    @property
    def any_difference(self) -> bool:
        return any(self.ahead.values())

    def text(self, names: dict[str, str] | None = None) -> str:
        """Who is ahead on this criterion, in plain words (one sentence)."""
        name = (lambda f: names.get(f, f)) if names else (lambda f: f)
        if self.leader is not None:
            return _cap(f"{name(self.leader)} {self.criterion.ahead_word} than every other form.", names)
        if not self.any_difference:
            return "No clear difference between the forms."
        parts = [f"{name(a)} {self.criterion.ahead_word} than {and_list([name(b) for b in bs])}"
                 for a, bs in self.ahead.items() if bs]
        return "No single form ahead of all others: " + "; ".join(parts) + "."


@dataclass
class TradeOff:
    """The answer: per criterion who is ahead beyond the spread, dominance, the Pareto set and the price."""

    forms: list[str]
    criteria: list[CriterionResult]  # the criteria the summary holds, in CRITERIA order
    missing: list[str]  # criteria the summary does not hold
    seeds: int  # the fewest common seeds of any pair of forms
    dominates: dict[str, list[str]]  # form -> the forms it dominates
    pareto: list[str]
    cycle: list[str]  # forms whose dominance runs in a circle (normally empty)
    price: dict[str, tuple[float, float, float]]  # form -> public deficit (p5, median, p95) over its runs
    price_vs_cheapest: dict[str, Paired]  # form -> paired public deficit against the cheapest form
    cheapest: str | None  # the lowest median public deficit (a reference for the price, not a verdict)

    @property
    def enough_seeds(self) -> bool:
        return self.seeds >= MIN_SEEDS

    @property
    def few_seeds(self) -> bool:
        """Below this the 90% interval of a paired difference is the range of the differences."""
        return self.seeds < MIN_RUNS_FOR_INTERVAL

    def by_metric(self, metric: str) -> CriterionResult | None:
        return next((c for c in self.criteria if c.metric == metric), None)

    def is_ahead(self, a: str, b: str, metric: str) -> bool:
        c = self.by_metric(metric)
        return c is not None and b in c.ahead.get(a, [])

    def ahead_on(self, form: str) -> list[str]:
        """The criteria on which ``form`` is ahead of at least one other form."""
        return [c.metric for c in self.criteria if c.ahead.get(form)]

    def behind(self, form: str, metric: str) -> list[str]:
        """The forms ahead of ``form`` on ``metric``."""
        c = self.by_metric(metric)
        return [] if c is None else [a for a, bs in c.ahead.items() if form in bs]

    def strengths(self, form: str, among: list[str] | None = None, names: dict[str, str] | None = None) -> list[str]:
        """What ``form`` is ahead on, in words, one phrase per criterion ('is faster than B and C'), against the
        forms ``among`` (default: every other form)."""
        name = (lambda f: names.get(f, f)) if names else (lambda f: f)
        among = self.forms if among is None else among
        return [f"{c.criterion.ahead_word} than {and_list([name(b) for b in c.ahead.get(form, []) if b in among])}"
                for c in self.criteria if any(b in among for b in c.ahead.get(form, []))]

    def headline(self, names: dict[str, str] | None = None) -> str:
        """The trade-off in plain words, for a policy maker (a few sentences)."""
        name = (lambda f: names.get(f, f)) if names else (lambda f: f)
        if not self.enough_seeds:
            return (f"{'One seed' if self.seeds <= 1 else f'{self.seeds} seeds'} cannot show a difference beyond the "
                    "run-to-run spread: no form is ahead of another on any criterion. Run more replications.")
        if not any(c.any_difference for c in self.criteria):
            return ("No form is ahead of another on any criterion beyond the run-to-run spread: on this evidence "
                    "the choice between the forms is open.")
        rest = [f for f in self.forms if f not in self.pareto]
        verb = "is" if len(rest) == 1 else "are each"
        out_text = (f" {_cap(and_list([name(f) for f in rest]), names)} {verb} beaten by another form (behind it "
                    "on at least one criterion and ahead of it on none).") if rest else ""
        if len(self.pareto) == 1:
            only = self.pareto[0]
            return (f"{_cap(name(only), names)} is the only form that no other form beats; it "
                    f"{and_list(self.strengths(only, names=names))}.{out_text}")
        cyc = (f" Dominance runs in a circle through {and_list([name(f) for f in self.cycle])}, so all of them are "
               "kept." if self.cycle else "")
        gains = [f"{name(f)} {and_list(self.strengths(f, self.pareto, names))}" for f in self.pareto
                 if self.strengths(f, self.pareto)]
        gain_text = f" {_cap('; '.join(gains), names)}." if gains else ""
        return (f"No form is ahead on everything: the choice is a trade-off between "
                f"{and_list([name(f) for f in self.pareto])}.{gain_text}{out_text}{cyc}")

    def lines(self, names: dict[str, str] | None = None) -> list[str]:
        """The answer as plain-text lines (``compare``'s closing lines, ``advise --simulate``)."""
        name = (lambda f: names.get(f, f)) if names else (lambda f: f)
        lines = [f"The answer as a trade-off ({self.seeds} common seeds per pair of forms). {AHEAD_RULE}"]
        if self.enough_seeds and self.few_seeds:
            lines.append(f"With fewer than {MIN_RUNS_FOR_INTERVAL} seeds that interval is the range of the "
                         "differences.")
        for c in self.criteria:
            mark = ""
            if c.not_reached and any(c.not_reached.values()):
                mark = " [not reached, counted as the horizon: " + ", ".join(
                    f"{name(f)} {n}" for f, n in c.not_reached.items() if n) + " runs]"
            said = c.text(names) if self.enough_seeds else "no difference shown."
            lines.append(f"  {c.criterion.short}: {said}{mark}")
        for m in self.missing:
            lines.append(f"  {_short(m)}: not in this output.")
        lines.append(f"  Pareto set (the forms no other form beats: ahead of it on one criterion and behind it on "
                     f"none): {', '.join(name(f) for f in self.pareto)}")
        if self.price:
            lines.append("  Price in public money (public deficit, median [90% interval] over runs): " + "; ".join(
                f"{name(f)} {_num(p[1])} [{_num(p[0])}{' to ' if min(p) < 0 else '–'}{_num(p[2])}] M€"
                for f, p in self.price.items()))
        lines.append("  " + self.headline(names))
        return lines

    def to_dict(self) -> dict[str, Any]:
        """The answer for JSON (``compare --format json``)."""
        return {
            "definition": AHEAD_RULE,
            "common_seeds": self.seeds,
            "criteria": [{
                "metric": c.metric, "lower_is_better": c.criterion.lower_is_better,
                "ahead_of_every_other_form": c.leader,
                "ahead": {a: bs for a, bs in c.ahead.items() if bs},
                "not_reached_counted_as_horizon": {f: n for f, n in c.not_reached.items() if n},
            } for c in self.criteria],
            "missing": self.missing,
            "dominates": {a: bs for a, bs in self.dominates.items() if bs},
            "pareto_set": self.pareto,
            "dominance_cycle": self.cycle,
            "public_deficit": {f: {"median": _finite(p[1]), "p5": _finite(p[0]), "p95": _finite(p[2])}
                               for f, p in self.price.items()},
            "answer": self.headline(),
        }


def tradeoff(summary: pd.DataFrame, criteria: tuple[Criterion, ...] = CRITERIA, by: str = "form",
             on: str = "seed") -> TradeOff:
    """The answer from a summary (one row per run: ``by``, ``on`` and the criteria's columns)."""
    forms = list(dict.fromkeys(summary[by])) if by in summary else []
    results, missing = [], []
    # split once (one pass, rows in their order): the seeds, the pairs and the counts below read them again and again
    groups = dict(iter(summary.groupby(by, sort=False))) if forms else {}
    seed_sets = {f: set(groups[f][on]) for f in forms} if on in summary else {}
    seeds = min((len(seed_sets[a] & seed_sets[b]) for i, a in enumerate(forms) for b in forms[i + 1:]),
                default=0) if on in summary else 0
    for c in criteria:
        if c.metric not in summary or summary[c.metric].isna().all() and c.metric not in CENSORED:
            missing.append(c.metric)
            continue
        pairs: dict[tuple[str, str], Paired] = {}
        ahead: dict[str, list[str]] = {f: [] for f in forms}
        values = {f: seed_values(groups[f], c.metric, on) for f in forms} if on in summary else {}
        for a in forms:
            for b in forms:
                if a == b or not values:
                    continue
                p = paired_values(c.metric, a, b, values[a], values[b], c.lower_is_better)
                if p is None:
                    continue
                pairs[(a, b)] = p
                if _ahead(p, c.lower_is_better):
                    ahead[a].append(b)
        not_reached = ({f: int(groups[f][c.metric].isna().sum()) for f in forms}
                       if c.metric in CENSORED else {})
        results.append(CriterionResult(c, pairs, ahead, not_reached))
    dominates = {a: [b for b in forms if b != a and _dominates(results, a, b)] for a in forms}
    pareto, cycle = _pareto(forms, dominates)
    price: dict[str, tuple[float, float, float]] = {}
    price_vs: dict[str, Paired] = {}
    cheapest = None
    if PRICE in summary and summary[PRICE].notna().any():
        for f in forms:
            v = groups[f][PRICE].astype(float).dropna().to_numpy()
            if len(v):
                lo, med, hi = quantiles(v)
                price[f] = (float(lo), float(med), float(hi))
        if price:
            cheapest = min(price, key=lambda f: (price[f][1], forms.index(f)))
            for f in price:
                p = paired(summary, f, cheapest, PRICE, by=by, on=on) if f != cheapest else None
                if p is not None:
                    price_vs[f] = p
    return TradeOff(forms, results, missing, seeds, dominates, pareto, cycle, price, price_vs, cheapest)


# --------------------------------------------------------------------------- the rules


def _ahead(p: Paired, lower_is_better: bool) -> bool:
    """a ahead of b: the 90% interval of a − b lies wholly on a's side of zero, over at least MIN_SEEDS seeds."""
    if p.n < MIN_SEEDS or math.isnan(p.p5) or math.isnan(p.p95):
        return False
    return p.p95 < 0 if lower_is_better else p.p5 > 0


def _dominates(results: list[CriterionResult], a: str, b: str) -> bool:
    return (any(b in r.ahead.get(a, []) for r in results)
            and not any(a in r.ahead.get(b, []) for r in results))


def _pareto(forms: list[str], dominates: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """(Pareto set, forms on a dominance circle). Without a circle the set is the undominated forms; with one,
    a form is kept when every form that reaches it through a chain of dominance is reached back from it."""
    reach = {f: _reachable(f, dominates) for f in forms}
    cycle = [f for f in forms if f in reach[f]]
    keep = [f for f in forms if all(f not in reach[g] or g in reach[f] for g in forms if g != f)]
    return keep, cycle


def _reachable(start: str, edges: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(edges.get(start, []))
    while todo:
        f = todo.pop()
        if f not in seen:
            seen.add(f)
            todo += edges.get(f, [])
    return seen


# --------------------------------------------------------------------------- words


def _cap(text: str, names: dict[str, str] | None) -> str:
    """A sentence's first letter in capitals, unless it starts with a form's code name (no names given)."""
    return text if names is None else text[:1].upper() + text[1:]


def and_list(items: list[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _short(metric: str) -> str:
    return CRITERION[metric].short if metric in CRITERION else metric


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "–"
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}"


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None
