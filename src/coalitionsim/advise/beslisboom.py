"""The beslisboom (decision tree) of the NOVEX practice guide as an advisor: which collaboration form fits
this area, with the question, the answer and the reason at every step.

The tree is the reconstruction in ``seed_novex.md`` section 4.2 of the flowchart at NOVEX L1700–1880 (the
extraction scrambled the arrows; links marked *inferred* there are marked so here too). Three steps:

A. infrastructure (L1741–1771, L978–988): is a large infrastructure investment needed, is it physically
   interwoven with the area, are the parties the same? → one whole / "los maar afgestemd" / separately;
B. collective area-wide tasks (L1773–1868, L1267–1276): which tasks need a collective approach, can they be
   left to the city, does everyone take part, are there free riders → enforce (kostenverhaal, erfpacht,
   kettingbeding, BIZ, parkmanagement);
C. the physical development organisation (L1584–1626, L1790–1824, L1876–1878): municipality owner →
   publieke tender(s); a manageable, coherent (development-oriented) and willing set of owners → SOK, or
   GEM when a legal entity / pooled risk is needed; otherwise a public framework, with sub-areas when the
   area splits (and a new choice per sub-area), else organic.

Every answer is read from the scenario; what the rest of the schema cannot say comes from its optional
``[beslisboom]`` section (:class:`coalitionsim.scenario.Beslisboom`), where ``None`` means *derive it*.
The thresholds there (what counts as "dominant", "overzichtelijk", "coherent", "welwillend") are
assumptions with ranges: the guide gives no numbers.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..model.beslisboom import Field, development_form
from ..model.model import apportion
from ..runner.defaults import REPLICATIONS, ROOT_SEED
from ..runner.tradeoff import TradeOff, tradeoff
from ..scenario import FORMS, Scenario, ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

FORM_TITLES: dict[str, str] = {
    "tender": "publieke tender(s) (public tender)",
    "sok": "SOK / joint venture light (samenwerkingsovereenkomst, collaboration agreement)",
    "gem": "GEM / PPS (grondexploitatiemaatschappij, joint land development company)",
    "framework_subareas": "publiek kader met ontwikkeling in deelgebieden (public framework, sub-areas)",
    "framework_organic": "publiek kader met organische ontwikkeling (public framework, organic)",
}

INFRA_OUTCOMES = {
    "none": "geen grote infrastructurele opgave (no large infrastructure task)",
    "separate": "separaat organiseren, met focus op interfaces (organise separately, focus on the interfaces)",
    "side_by_side": "'los maar afgestemd' (side by side, but coordinated)",
    "whole": "als één geheel zien (treat area and infrastructure as one whole)",
}


# ============================================================================ results


@dataclass
class Step:
    """One question of the tree, how the scenario answers it, and why."""

    code: str  # A1..A3, B1..B5, C1..C6; sub-area recursion as "C4[Noord]"
    question: str  # Dutch, with an English gloss
    answer: str  # "ja" / "nee" / a short outcome
    reason: str  # the scenario facts behind the answer
    source: str  # NOVEX line reference
    outcome: str = ""  # the box the answer leads to, if any
    inferred: bool = False  # the link is a reconstruction (seed_novex.md 4.2 marks it inferred)


@dataclass
class Advice:
    """The path through the beslisboom and the recommended form(s).

    ``forms`` lists the recommended collaboration form(s), first the primary one; ``subarea_forms`` gives the
    new choice per sub-area (or cluster of sub-areas that cannot be split) when the primary form is a public
    framework with sub-areas ("Met per deelgebied opnieuw keuze", L1823–1824).
    """

    scenario: str
    description: str
    path: list[Step]
    forms: list[str]
    infrastructure: str  # key of INFRA_OUTCOMES
    collective: list[str]  # advice lines on the collective tasks (step B)
    subarea_forms: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def form(self) -> str:
        """The primary recommended form."""
        return self.forms[0]

    def render(self, explain: bool = False) -> str:
        return render_advice(self, explain)


# ============================================================================ facts from the scenario


@dataclass
class OwnerFacts:
    """Who holds how many plots, as the model will assign them (plots are placed at random over the area)."""

    plots: int
    municipal_plots: int
    owners: list[dict[str, Any]]  # private owners with at least one plot: name, kind, plots, developing, willing

    @property
    def private_plots(self) -> int:
        return sum(o["plots"] for o in self.owners)

    @property
    def municipal_share(self) -> float:
        return self.municipal_plots / self.plots if self.plots else 0.0

    @property
    def n_owners(self) -> int:
        return len(self.owners)

    def share(self, key: str) -> float:
        """Share of the private plots held by owners for which ``key`` is true (or weighted by it if float)."""
        total = self.private_plots
        if total == 0:
            return 0.0
        return sum(o["plots"] * float(o[key]) for o in self.owners) / total

    def expected_owners_in(self, m: int) -> float:
        """Expected number of distinct private owners among ``m`` of the plots (hypergeometric)."""
        n = self.plots
        if m >= n:
            return float(self.n_owners)
        return sum(1 - math.comb(n - m, o["plots"]) / math.comb(n, o["plots"]) for o in self.owners)


def owner_facts(sc: Scenario) -> OwnerFacts:
    own = sc.ownership
    n = sum(s.plots for s in sc.subareas)
    n_mun = round(n * own.municipal_land_share)
    n_corp = round(n * own.corporation_land_share)
    n_pass = round(n * own.passive_land_share)
    n_dev = n - n_mun - n_corp - n_pass
    owners: list[dict[str, Any]] = []
    for spec, k in zip(own.corporations, apportion(n_corp, [c.weight for c in own.corporations])):
        owners.append({"name": spec.name, "kind": "corporation", "plots": k, "developing": True, "willing": 1.0})
    passive = own.passive_owners if n_pass else 0
    for i, k in enumerate(apportion(n_pass, [1.0] * passive)):
        owners.append({"name": f"Eigenaar {i + 1}", "kind": "passive", "plots": k, "developing": False,
                       "willing": own.passive_owner_willingness})
    for spec, k in zip(own.developers, apportion(n_dev, [d.weight for d in own.developers])):
        owners.append({"name": spec.name, "kind": "developer", "plots": k, "developing": True,
                       "willing": 1.0 if spec.strategy == "cooperative" else 0.0})
    return OwnerFacts(n, n_mun, [o for o in owners if o["plots"] > 0])


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


# ============================================================================ the tree


class _Tree:
    def __init__(self, sc: Scenario):
        self.sc = sc
        self.bb = sc.beslisboom
        self.path: list[Step] = []
        self.warnings: list[str] = []

    def ask(self, code: str, question: str, answer: bool | str, reason: str, source: str,
            outcome: str = "", inferred: bool = False) -> bool | str:
        text = ("ja" if answer else "nee") if isinstance(answer, bool) else answer
        self.path.append(Step(code, question, text, reason, source, outcome, inferred))
        return answer

    # ------------------------------------------------------------------ start
    def start(self) -> None:
        sc = self.sc
        self.ask("START", "Wat is de stedelijke opgave, wat betekent dit voor de opgave van het gebied en wie zijn "
                 "hiervoor nodig? (what is the urban task, what does it mean for the area, who is needed?)",
                 f"{sc.homes_planned:,} homes in {len(sc.subareas)} deelgebied(en)",
                 f"{sum(s.plots for s in sc.subareas)} plots (kavels); {len(sc.tasks)} area tasks (gebiedsbrede opgaven)",
                 "L1738-1739, L1870-1872",
                 "vorming integrale gebiedscoalitie (form the integral area coalition)")

    # ------------------------------------------------------------------ A. infrastructure
    def infrastructure(self) -> str:
        bb = self.bb
        gated = [t for t in self.sc.tasks if t.kind == "public_works" and t.gate]
        if bb.infra_investment is None:
            needed = bool(gated)
            why = (f"derived: gated public works {', '.join(repr(t.name) for t in gated)} (no completion before "
                   f"delivery), €{sum(t.cost for t in gated):.0f} m" if gated
                   else "derived: no public-works task gates completion (beslisboom.infra_investment not set)")
        else:
            needed = bb.infra_investment
            why = f"beslisboom.infra_investment = {str(needed).lower()}"
        if not self.ask("A1", "Is hierbinnen een grote infrastructurele investering benodigd? "
                        "(is a large infrastructure investment needed?)", needed, why, "L1741-1743, L978-980"):
            return "none"
        if bb.infra_physically_linked is None:
            linked = bool(gated)
            why = ("derived: the area cannot complete homes before the infrastructure is delivered (gate)" if linked
                   else "derived: no gate ties the area to the infrastructure")
        else:
            linked = bb.infra_physically_linked
            why = f"beslisboom.infra_physically_linked = {str(linked).lower()}"
        if not self.ask("A2", "Is deze infrastructurele opgave fysiek verbonden met de gebiedsontwikkeling? "
                        "(is it physically interwoven with the area development?)", linked, why,
                        "L1745-1749, L980-983", INFRA_OUTCOMES["separate"] if not linked else ""):
            return "separate"
        same = bb.infra_same_parties
        why = (f"beslisboom.infra_same_parties = {str(same).lower()}"
               + ("" if same else " (e.g. rail/OV parties such as IenW, NS, ProRail lead the infrastructure, L984-986)"))
        self.ask("A3", "Zijn de betrokken partijen bij beide opgaven hetzelfde? (are the parties the same for both?)",
                 same, why, "L1768-1771, L980-988", INFRA_OUTCOMES["whole" if same else "side_by_side"])
        return "whole" if same else "side_by_side"

    # ------------------------------------------------------------------ B. collective tasks
    def collective(self, facts: OwnerFacts) -> list[str]:
        sc, bb = self.sc, self.bb
        advice: list[str] = []
        collective = [t for t in sc.tasks if t.kind == "collective"]
        names = {t.name for t in sc.tasks}
        unknown = [n for n in bb.city_level_tasks if n not in names]
        if unknown:
            raise ScenarioError(f"beslisboom.city_level_tasks: {unknown[0]!r} is not a task name "
                                f"(tasks: {', '.join(sorted(names))})")
        if bb.collective_approach is None:
            needed = bool(collective)
            why = (f"derived: {len(collective)} collective task(s): {', '.join(t.name for t in collective)}" if needed
                   else "derived: the scenario has no collective tasks (only public works)")
        else:
            needed = bb.collective_approach
            why = f"beslisboom.collective_approach = {str(needed).lower()}"
        if not self.ask("B1", "Vragen ambities of noodzaak een collectieve, (deel)gebiedsbrede aanpak? "
                        "(do ambitions or necessity ask for a collective, area-wide approach?)", needed, why, "L1874",
                        "" if needed else "er hoeven geen gebiedsbrede, collectieve aanpak of afspraken vormgegeven "
                        "te worden (no collective arrangements needed)"):
            return ["No collective, area-wide arrangements are needed (L1863-1868)."]
        physical = [t for t in collective if not (t.recurring or t.absorption_boost > 0)]
        programmatic = [t for t in collective if t.recurring or t.absorption_boost > 0]
        self.ask("B2", "Welke aspecten vragen om een collectieve, (deel)gebiedsbrede aanpak? (which aspects?)",
                 f"{len(physical)} thematisch/fysiek, {len(programmatic)} programmatisch",
                 "thematic/physical: " + (", ".join(t.name for t in physical) or "none")
                 + "; programmatic/area activation (recurring or raising absorption): "
                 + (", ".join(t.name for t in programmatic) or "none"), "L1773-1785, L1848-1853")
        city = [t for t in collective if t.name in bb.city_level_tasks]
        area_tasks = [t for t in collective if t.name not in bb.city_level_tasks]
        self.ask("B3", "Zijn het vraagstukken die op stads- of regioniveau aangepakt kunnen worden? "
                 "(can they be tackled at city or regional level?)",
                 "ja, deels" if city and area_tasks else bool(city),
                 ("beslisboom.city_level_tasks: " + ", ".join(t.name for t in city)) if city
                 else "beslisboom.city_level_tasks is empty: every collective task is the area's own",
                 "L1855-1861; L421-427 'Probeer niet gebiedsgericht stedelijke problemen op te lossen'", inferred=True)
        for t in city:
            advice.append(f"{t.name}: leave to the city/region (stads- of regioniveau), no area arrangement [inferred].")
        if not area_tasks:
            return advice
        for t in area_tasks:
            vehicle = ("coöperatie/stichting/vereniging/netwerkorganisatie (co-operative, foundation, association, network)"
                       if t in programmatic else "BV/NV/VOF/coöperatie (company or co-operative)")
            advice.append(f"{t.name}: vehicle {vehicle} (L1787-1788, L1826-1829) [column assignment inferred].")
        # B4: does everyone want to take part?
        b = sc.behaviour
        holdouts = [o for o in facts.owners if o["kind"] == "developer" and o["willing"] < 0.5]
        passive = [o for o in facts.owners if o["kind"] == "passive"]
        if bb.everyone_participates is None:
            unwilling_passive = passive and sc.ownership.passive_owner_willingness < b.willing_threshold
            everyone = b.free_rider_share == 0 and not holdouts and not unwilling_passive
            bits = [f"behaviour.free_rider_share = {b.free_rider_share:g}"]
            if holdouts:
                bits.append(f"{len(holdouts)} hold-out prone developer(s)")
            if passive:
                bits.append(f"{len(passive)} passive owner(s) with willingness {sc.ownership.passive_owner_willingness:g} "
                            f"(threshold {b.willing_threshold:g})")
            why = "derived: " + "; ".join(bits)
        else:
            everyone = bb.everyone_participates
            why = f"beslisboom.everyone_participates = {str(everyone).lower()}"
        if self.ask("B4", "Wil iedereen afnemen/meedoen? (does everyone want to take part?)", everyone, why,
                    "L1831-1832, L1271-1272",
                    "structureel (bv. lidmaatschap) of incidenteel (bv. bijdrage bij contract/vergunning) "
                    "(structural, e.g. membership, or incidental, e.g. a contribution at contract/permit)" if everyone else ""):
            advice.append("Everyone takes part: agree whether contributions are structural (lidmaatschap, membership) "
                          "or incidental (bijdrage bij contract/vergunning) (L1836-1840).")
            return advice
        # B5: are there free riders?
        if bb.free_riders is None:
            riders = b.free_rider_share > 0 or bool(passive)
            bits = []
            if b.free_rider_share > 0:
                bits.append(f"about {_pct(b.free_rider_share)} of private owners are free riders (behaviour.free_rider_share)")
            if passive:
                bits.append(f"{len(passive)} passive owner(s) benefit but kostenverhaal reaches only developing owners (L2452-2453)")
            why = "derived: " + ("; ".join(bits) if bits else "nobody benefits without paying")
        else:
            riders = bb.free_riders
            why = f"beslisboom.free_riders = {str(riders).lower()}"
        ins = sc.instruments
        if not self.ask("B5", "Zijn er free-riders? (are there free riders?)", riders, why, "L1834, L1272-1275",
                        "afdwingen, via bv. kostenverhaal/erfpacht/kettingbeding/BIZ/parkmanagement "
                        "(enforce, e.g. via cost recovery, ground lease, chain clause, BID, park management)" if riders
                        else "vrijwillige deelname volstaat (voluntary participation suffices) [inferred]"):
            advice.append("Some parties stay out but nobody free-rides: voluntary participation suffices [inferred].")
            return advice
        have = []
        if ins.kostenverhaal:
            have.append("kostenverhaal (cost recovery; developing owners, at permit)")
        if ins.kettingbeding:
            have.append("kettingbeding/erfpacht (chain clause / ground lease: contributions follow the property)")
        if ins.biz:
            have.append("BIZ (business improvement zone; non-residential owners after a vote)")
        if ins.giz:
            have.append("GIZ (area investment zone; hypothetical, all functions)")
        advice.append("Free riders expected: enforce contributions (afdwingen, L1842-1846). Available in this scenario: "
                      + ("; ".join(have) if have else "none") + ".")
        if passive and not (ins.biz or ins.giz or ins.kettingbeding):
            self.warnings.append(f"{len(passive)} passive owner(s) stay voluntary: kostenverhaal does not reach them "
                                 "and neither BIZ, GIZ nor kettingbeding/erfpacht is on (L2452-2455).")
        if ins.kostenverhaal and not (ins.kettingbeding or ins.biz or ins.giz):
            advice.append("In coalitionsim kostenverhaal recovers public works only: the collective tasks rest on "
                          "contracts (SOK, GEM, tender award) and voluntary contributions unless kettingbeding/erfpacht, "
                          "BIZ or GIZ is switched on.")
        if not have:
            self.warnings.append("free riders expected but no enforcement instrument is on "
                                 "(instruments.kostenverhaal/kettingbeding/biz/giz).")
        return advice

    # ------------------------------------------------------------------ C. development organisation
    def organisation(self, facts: OwnerFacts) -> tuple[list[str], dict[str, str]]:
        bb = self.bb
        if not self.ask("C1", "Zijn er zakelijk-financieel substantiële risico's en kansen? "
                        "(are there substantial business-financial risks and opportunities?)", bb.substantial_risk,
                        f"beslisboom.substantial_risk = {str(bb.substantial_risk).lower()}", "L1876",
                        "" if bb.substantial_risk else "geen gezamenlijke risicodragende ontwikkelorganisatie; "
                        "plot by plot under a public framework", inferred=not bb.substantial_risk):
            return ["framework_organic"], {}
        dev_share = facts.share("developing")
        unwilling = 1 - facts.share("willing")
        self.ask("C2", "Hoe ziet het speelveld van stakeholders/eigenaren eruit? (what does the field of owners look like?)",
                 f"{facts.n_owners} private owners with land",
                 f"municipality {_pct(facts.municipal_share)} of the plots; private owners: "
                 + ", ".join(f"{k} {sum(1 for o in facts.owners if o['kind'] == k)}"
                             for k in ("developer", "corporation", "passive"))
                 + f"; development-oriented {_pct(dev_share)} and unwilling {_pct(unwilling)} of the private land",
                 "L1878, L1584-1588")
        return self._choose(facts, "", facts.n_owners, dev_share, unwilling, separable_step=True)

    def _choose(self, facts: OwnerFacts, where: str, n_owners: float, dev_share: float, unwilling: float,
                separable_step: bool) -> tuple[list[str], dict[str, str]]:
        """Step C with the model's own rule (``coalitionsim.model.beslisboom.development_form``), rendered as
        the tree's questions with the reasons behind each answer."""
        bb = self.bb
        tag = f"[{where}]" if where else ""
        mun = facts.municipal_share
        clusters = self._clusters()
        choice = development_form(Field(mun, n_owners, dev_share, unwilling), bb,
                                  splittable=separable_step and len(clusters) >= 2)
        if self.ask(f"C3{tag}", "Gemeente = eigenaar? (is the municipality the (dominant) owner?)",
                    choice.public_dominant,
                    f"municipality holds {_pct(mun)} of the plots; dominant above {_pct(bb.public_dominant_share)} "
                    "(beslisboom.public_dominant_share, assumption)", "L1790-1796, L1590-1591",
                    FORM_TITLES["tender"] if choice.public_dominant else ""):
            return [choice.form], {}
        few, coherent, willing = choice.few, choice.coherent, choice.willing
        count = f"{n_owners:.1f}" if not float(n_owners).is_integer() else f"{int(n_owners)}"
        why = (f"{count} private owners (overzichtelijk up to {bb.max_manageable_owners}: "
               f"{'yes' if few else 'no'}); development-oriented {_pct(dev_share)} of private land "
               f"(coherent from {_pct(bb.min_coherent_share)}: {'yes' if coherent else 'no'}); unwilling "
               f"{_pct(unwilling)} (gebrek aan welwillendheid above {_pct(bb.max_unwilling_share)}: "
               f"{'yes' if not willing else 'no'})")
        manageable = choice.manageable
        if self.ask(f"C4{tag}", "Een overzichtelijk aantal eigenaren, redelijk coherent (lees: ontwikkelingsgericht)? "
                    "(a manageable, coherent, development-oriented set of owners?)", manageable, why,
                    "L1809-1817, L1600-1602, L1615-1617",
                    "" if manageable else "een groot aantal eigenaren of gebrek aan welwillendheid "
                    "(many owners, or a lack of goodwill) → publiek kader (public framework)"):
            self.ask(f"C5{tag}", "Behoefte aan een eigenstandige rechtspersoonlijkheid / gepoold risico? "
                     "(is an own legal entity or pooled risk needed?)", choice.legal_entity,
                     f"beslisboom.needs_legal_entity = {str(choice.legal_entity).lower()}", "L1608-1613, L969-972",
                     FORM_TITLES[choice.form])
            return [choice.form], {}
        if not separable_step:
            self.ask(f"C6{tag}", "Verder op te delen? (split further?)", False,
                     "a sub-area is not split again", "L1623-1626", FORM_TITLES["framework_organic"], inferred=True)
            return ["framework_organic"], {}
        split = choice.form == "framework_subareas"
        sep = [s.name for s in self.sc.subareas if s.separable]
        why = (f"{len(self.sc.subareas)} sub-area(s), separable: {', '.join(sep) or 'none'} → "
               f"{len(clusters)} part(s) that can be developed on their own")
        if not self.ask("C6", "Is de aanpak logisch per deelgebied te structureren (geografisch of naar sortering van "
                        "partijen)? (can the area logically be split into sub-areas?)", split, why,
                        "L1619-1626, L1819-1824",
                        FORM_TITLES["framework_subareas"] + "; met per deelgebied opnieuw keuze (a new choice per sub-area)"
                        if split else FORM_TITLES["framework_organic"]):
            return ["framework_organic"], {}
        per: dict[str, str] = {}
        for cluster in clusters:
            m = sum(s.plots for s in self.sc.subareas if s.name in cluster)
            expected = facts.expected_owners_in(m)
            label = "+".join(cluster)
            self.ask(f"C2[{label}]", "Per deelgebied opnieuw keuze: het speelveld in dit deelgebied "
                     "(a new choice in this sub-area: its field of owners)", f"{expected:.1f} private owners expected",
                     f"{m} of {facts.plots} plots; the schema has no ownership per sub-area, so the area's land shares "
                     "apply and the expected number of distinct owners follows from the random plot allocation",
                     "L1823-1824, L1619-1621", inferred=True)
            forms, _ = self._choose(facts, label, expected, dev_share, unwilling, separable_step=False)
            per[label] = forms[0]
        return ["framework_subareas"], per

    def _clusters(self) -> list[list[str]]:
        """As the framework_subareas form groups them: separable sub-areas alone, the others together."""
        alone = [[s.name] for s in self.sc.subareas if s.separable]
        joint = [s.name for s in self.sc.subareas if not s.separable]
        return alone + ([joint] if joint else [])


def advise(scenario: Scenario | str | None = None) -> Advice:
    """Walk the beslisboom for ``scenario`` (object, file, bundled name, or None for the reference area)."""
    if not isinstance(scenario, Scenario):
        from ..scenario import load_scenario

        scenario = load_scenario(scenario)
    facts = owner_facts(scenario)
    tree = _Tree(scenario)
    tree.start()
    infra = tree.infrastructure()
    collective = tree.collective(facts)
    forms, per = tree.organisation(facts)
    stated = scenario.simulation.form
    if stated not in forms:
        tree.warnings.append(f"the scenario's own form (simulation.form = {stated}) differs from the tree's choice")
    return Advice(
        scenario=scenario.meta.name, description=scenario.meta.description, path=tree.path, forms=forms,
        infrastructure=infra, collective=collective, subarea_forms=per, warnings=tree.warnings,
        facts={"plots": facts.plots, "municipal_share": facts.municipal_share, "private_owners": facts.n_owners,
               "development_oriented_share": facts.share("developing"), "unwilling_share": 1 - facts.share("willing"),
               "scenario_form": stated},
    )


# ============================================================================ rendering


#: questions of part C that choose between forms (C1 and C2 describe the field; they choose nothing)
CHOOSING = ("C3", "C4", "C5", "C6")
WIDTH = 100  # columns the advice fits


def decisive_steps(a: Advice) -> list[Step]:
    """The one or two answers that decided the form: the last question of part C on the area as a whole (the
    one that leads to the form), and the choosing question before it, if there is one."""
    top = [s for s in a.path if s.code in CHOOSING]
    return top[-2:] if len(top) > 1 and top[-1].code != "C3" else top[-1:]


def _wrap(text: str, indent: str = "", first: str = "", width: int = WIDTH) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=first or indent, subsequent_indent=indent,
                         break_on_hyphens=False) or [first]


def render_summary(a: Advice, width: int = WIDTH) -> str:
    """The recommendation first, then the one or two answers that decided it, what it means for the
    infrastructure and the collective tasks, and the notes; within ``width`` columns."""
    lines = [f"Recommended form for {a.scenario} (aanbevolen samenwerkingsvorm, NOVEX beslisboom):"]
    for f in a.forms:
        lines += _wrap(f"{f} = {FORM_TITLES[f]}", "    ", "  ", width)
    for part, form in a.subarea_forms.items():
        lines += _wrap(f"deelgebied {part}: {form} = {FORM_TITLES[form]}", "      ", "    ", width)
    lines.append("because")
    for s in decisive_steps(a):
        mark = " [inferred]" if s.inferred else ""
        lines += _wrap(f"{s.code} {_gloss(s.question)}: {s.answer}{mark} — {s.reason} ({s.source})", "      ",
                       "  - ", width)
    lines += _wrap(f"Infrastructure: {INFRA_OUTCOMES[a.infrastructure]}", "  ", "", width)
    for w in a.warnings:
        lines += _wrap(f"note: {w}", "  ", "", width)
    return "\n".join(lines)


def _gloss(question: str) -> str:
    """The English gloss of a question ("Dutch? (English?)"), or the question as it is."""
    return question[question.rindex("(") + 1:-1] if question.endswith(")") and "(" in question else question


def render_advice(a: Advice, explain: bool = False, width: int = WIDTH) -> str:
    """The summary (:func:`render_summary`) and, with ``explain``, the full path through the tree."""
    lines = [render_summary(a, width)]
    if not explain:
        lines.append("The full path through the beslisboom, question by question: add --explain.")
        return "\n".join(lines)
    lines += ["", f"The path through the beslisboom (NOVEX practice guide L1700-1880) for {a.scenario}:"]
    lines += _wrap(a.description, "  ", "  ", width)
    section = {"S": "Start", "A": "A. Infrastructuur (infrastructure)", "B": "B. Gebiedsbrede collectieve opgaven "
               "(area-wide collective tasks)", "C": "C. Fysieke ontwikkelorganisatie (physical development organisation)"}
    current = ""
    for s in a.path:
        head = s.code[0]
        if head != current:
            current = head
            lines.append(section.get(head, head))
        mark = " [inferred]" if s.inferred else ""
        lines += _wrap(s.question, " " * 9, f"  {s.code:<6} ", width)
        lines += _wrap(f"→ {s.answer}{mark}. {s.reason} ({s.source})", " " * 11, " " * 9, width)
        if s.outcome:
            lines += _wrap(f"⇒ {s.outcome}", " " * 11, " " * 9, width)
    lines.append("Collective tasks:")
    for c in a.collective:
        lines += _wrap(c, "    ", "  - ", width)
    return "\n".join(lines)


# ============================================================================ the simulated check


@dataclass
class SimulationCheck:
    """The five forms simulated on the scenario, and the two questions the check asks of the tree's form.

    The answer is the one of every surface (:func:`coalitionsim.runner.tradeoff.tradeoff`): per criterion the
    forms ahead beyond the run-to-run spread (the 90% interval of the paired per-seed differences wholly on one
    side of zero) and the Pareto set. The questions: does the tree's form lie in the Pareto set (no other form
    is ahead of it on one criterion and behind it on none), and is it ahead on speed (t50)? There is no "best".
    """

    table: "pd.DataFrame"  # interval_table: per form median/p5/p95 of the key metrics
    tradeoff: TradeOff
    tree_forms: list[str]
    replications: int
    not_applicable: dict[str, str]

    @property
    def tree(self) -> str:
        return self.tree_forms[0]

    @property
    def tree_in_pareto(self) -> bool:
        return self.tree in self.tradeoff.pareto

    @property
    def faster_than_tree(self) -> list[str]:
        """The forms ahead of the tree's form on speed (t50) beyond the spread."""
        return self.tradeoff.behind(self.tree, "t50_years")

    @property
    def tree_speed(self) -> str:
        """'ahead' (faster than every other form), 'level' (no form is faster beyond the spread), 'behind'
        (some form is), 'not run' (the tree's form could not run on this area)."""
        if self.tree not in self.tradeoff.forms:
            return "not run"
        speed = self.tradeoff.by_metric("t50_years")
        if speed is not None and speed.leader == self.tree:
            return "ahead"
        return "behind" if self.faster_than_tree else "level"

    def render(self) -> str:
        return render_check(self)


def simulate_check(scenario: Scenario, advice: Advice | None = None, replications: int = REPLICATIONS,
                   workers: int | None = None, seed: int = ROOT_SEED, progress: bool = False) -> SimulationCheck:
    """Run all five forms (``runner.compare``) and ask whether the tree's form is in the Pareto set and ahead
    on speed."""
    from ..runner import compare

    advice = advise(scenario) if advice is None else advice
    result = compare(scenario, replications=replications, workers=workers, seed=seed, progress=progress)
    return check_summary(result.summary, advice, replications, result.not_applicable)


def check_summary(summary: "pd.DataFrame", advice: Advice, replications: int,
                  not_applicable: dict[str, str] | None = None) -> SimulationCheck:
    """The check on an existing compare summary (one row per run, columns form, seed, t50_years, ...)."""
    from ..runner.stats import interval_table

    return SimulationCheck(table=interval_table(summary), tradeoff=tradeoff(summary), tree_forms=advice.forms,
                           replications=replications, not_applicable=not_applicable or {})


def render_check(c: SimulationCheck) -> str:
    from ..reporting.tables import _fmt

    t = c.table.set_index("form")
    h = float(t["horizon_years"].iloc[0])
    lines = [f"Simulated check: all forms, {c.replications} replications each (common random numbers); "
             "median [90% interval]", ""]
    header = f"  {'form':<19} {'t50 (years)':<18} {'realised share':<18} {'free-riding index':<18}"
    lines += [header, "  " + "-" * (len(header) - 2)]
    for form, row in t.iterrows():
        cells = []
        for col in ("t50_years", "realisation_share", "free_riding_index"):
            cells.append(f"{_fmt(row[col + '_median'], h)} [{_fmt(row[col + '_p5'], h)}–{_fmt(row[col + '_p95'], h)}]")
        flag = " ← tree" if form == c.tree else ""
        flag += " ← Pareto set" if form in c.tradeoff.pareto else ""
        lines.append(f"  {form:<19} {cells[0]:<18} {cells[1]:<18} {cells[2]:<18}{flag}".rstrip())  # fits 100
    for form, reason in c.not_applicable.items():
        lines.append(f"  {form}: not run — {reason}")
    lines += ["", *c.tradeoff.lines(), ""]
    tree = c.tree
    lines.append(f"beslisboom: {tree}; Pareto set: {', '.join(c.tradeoff.pareto)}")
    if tree not in c.tradeoff.forms:
        lines.append(f"The tree's form {tree} could not be run on this area.")
        return "\n".join(lines)
    if c.tree_in_pareto:
        pareto = f"IN THE PARETO SET: no other form is ahead of {tree} on one criterion and behind it on none."
    else:
        by = [f for f in c.tradeoff.forms if tree in c.tradeoff.dominates.get(f, [])]
        pareto = (f"NOT IN THE PARETO SET: {', '.join(by)} {'is' if len(by) == 1 else 'are'} ahead of {tree} on at "
                  "least one criterion and behind it on none.")
    speed = {"ahead": f"AHEAD ON SPEED: {tree} reaches half the homes (t50) faster than every other form.",
             "level": (f"LEVEL ON SPEED: no form reaches half the homes (t50) faster than {tree} beyond the "
                       "run-to-run spread" + ("." if c.tradeoff.enough_seeds else
                                             " (too few seeds to show any difference).")),
             "behind": (f"BEHIND ON SPEED: {', '.join(c.faster_than_tree)} "
                        f"{'reaches' if len(c.faster_than_tree) == 1 else 'reach'} half the homes (t50) faster than "
                        f"{tree} beyond the run-to-run spread (median t50 {_fmt(t.loc[tree, 't50_years_median'], h)} "
                        "years for the tree's form).")}[c.tree_speed]
    lines += [pareto, speed]
    return "\n".join(lines)
