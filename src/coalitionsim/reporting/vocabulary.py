"""The users' vocabulary: Dutch terms with English glosses for metrics, forms, actor groups, factors and the
glossary. The report, its figures and the browser app all read them from here (no plotting imports)."""

from __future__ import annotations

#: metric -> (Dutch term, English gloss)
VOCABULARY: dict[str, tuple[str, str]] = {
    "realisation_share": ("realisatiegraad", "share of the planned homes completed within the horizon"),
    "homes_completed": ("woningen gereed", "homes completed"),
    "years_to_agreement": ("jaren tot overeenkomst", "years until the first agreement"),
    "years_to_first_home": ("jaren tot eerste woning", "years until the first home is completed"),
    "t50_years": ("t50: helft gereed", "years until half of the planned homes are completed"),
    "t90_years": ("t90: 90% gereed", "years until 90% of the planned homes are completed"),
    "homes_per_year": ("woningen per jaar", "homes completed per year"),
    "permit_to_start_months": ("maanden van vergunning tot start", "median months from permit to construction start"),
    "homes_presold": ("woningen in voorverkoop verkocht", "market homes sold before their construction start"),
    "free_riding_index": ("meeliftindex (free riding)", "shortfall below the fair share of area-task costs, 0–1"),
    "free_rider_share": ("aandeel meelifters", "share of beneficiaries paying under half their fair share"),
    "funding_gap_share": ("financieringstekort gebiedsopgaven", "share of area-task cost not paid privately"),
    "use_phase_funding_gap": ("tekort beheer en exploitatie", "share of the completed area's service cost (beheer, hub, parking) left unfunded"),
    "use_phase_dropouts": ("afhakers beheerbijdrage", "owners that paid voluntary use-phase dues and then stopped"),
    "public_deficit": ("publiek tekort (M€)", "public deficit, million euro"),
    "rijk_subsidy": ("Rijksbijdrage (M€)", "what the Rijk's gebiedsbudget paid, million euro"),
    "gem_land_result": ("grondexploitatieresultaat GEM (M€)", "the GEM's realised land result: plot revenue less land, servicing, public works and interest, million euro"),
    "writedown": ("afwaardering grondexploitatie (M€)", "book value of its land the municipality wrote down when its forecast fell below it, a book entry already counted in the public deficit, million euro"),
    "bought_land_share": ("aandeel op aangekochte grond", "share of the planned homes on land the municipality did not own at the start and bought, pre-empted or expropriated"),
    "social_share_realised": ("aandeel sociale huur", "social-rent share of the homes realised"),
    "willing_unable_share": ("willen maar niet kunnen", "share of actors with draagvlak but no draagkracht"),
    "dropouts": ("afhakers", "actors that dropped out after asks they could not carry"),
    "trust_mean": ("vertrouwen", "mean trust, 0–1"),
    "objections": ("bezwaren", "objections (zienswijzen/bezwaar) lodged"),
    "delay_quarters_objections": ("vertraging door bezwaren", "quarters of delay caused by objections"),
    "negotiation_rounds": ("onderhandelingsrondes", "negotiation rounds"),
    "escalations": ("escalaties naar de stuurgroep", "escalations to the steering group"),
    "form_switches": ("herzieningen van de samenwerkingsvorm", "reviews in which the municipality gave plots of a stalled arrangement to another form"),
    "form_in_force": ("geldende samenwerkingsvorm", "the form governing most homes in a quarter"),
    "voluntary_contribution_rate": ("vrijwillige bijdrage", "voluntary payments ÷ the voluntary fair share asked"),
}

#: actor group (as in the output names draagvlak_<group>) -> (Dutch, English)
GROUP_NAMES: dict[str, tuple[str, str]] = {
    "municipality": ("gemeente", "municipality"),
    "developers": ("ontwikkelaars", "project developers"),
    "corporations": ("corporaties", "housing corporations"),
    "owners": ("eigenaren van bestaande bedrijven", "owners of existing businesses"),
    "residents": ("bewoners", "residents"),
    "rijk": ("Rijk", "central government"),
}

for _g, (_nl, _en) in GROUP_NAMES.items():
    VOCABULARY.setdefault(f"gap_{_g}", (f"kloof draagvlak–draagkracht {_nl}",
                                        f"{_en}: mean draagvlak (willing) minus draagkracht (able); > 0: willing "
                                        "beyond what they can carry"))
    VOCABULARY.setdefault(f"willing_unable_share_{_g}", (f"willen maar niet kunnen, {_nl}",
                                                         f"{_en}: share with draagvlak but no draagkracht"))
    VOCABULARY.setdefault(f"dropouts_{_g}", (f"afhakers, {_nl}",
                                             f"{_en} that dropped out after asks they could not carry"))

FORM_NAMES: dict[str, str] = {
    "tender": "publieke tender (municipal land issued by public tender)",
    "sok": "SOK – samenwerkingsovereenkomst (co-operation agreement)",
    "gem": "GEM – grondexploitatiemaatschappij (joint land company)",
    "framework_subareas": "publiek kader, deelgebieden (public framework, development per sub-area)",
    "framework_organic": "publiek kader, organisch (public framework, organic plot-by-plot development)",
}

#: short labels for figure axes and legends
FORM_LABELS: dict[str, str] = {
    "tender": "publieke tender\n(public tender)",
    "sok": "SOK\n(co-operation agreement)",
    "gem": "GEM\n(joint land company)",
    "framework_subareas": "kader, deelgebieden\n(framework, sub-areas)",
    "framework_organic": "kader, organisch\n(framework, organic)",
}

FACTOR_NAMES: dict[str, str] = {
    "ownership.municipal_land_share": "gemeentelijk grondbezit (municipal share of the land)",
    "instruments.kostenverhaal": "kostenverhaal (public cost recovery from developers)",
    "instruments.kettingbeding": "kettingbeding / erfpacht (contributions follow the property)",
    "instruments.biz": "BIZ (business improvement zone levy, non-residential owners)",
    "instruments.giz": "GIZ (hypothetical area improvement zone, all functions)",
    "instruments.dubbel_toetsen": "dubbel toetsen (test willing and able)",
    "instruments.compensation_budget": "gerichte compensatie (targeted compensation budget, M€)",
    "instruments.phasing_quarters": "fasering (residents' asks spread over quarters)",
    "instruments.renegotiation_floor": "heronderhandelingsvloer (a new council cannot reopen agreements)",
    "instruments.process_director": "procesregisseur (independent process director)",
    "residents.vulnerable_share": "aandeel kwetsbare huishoudens (share of vulnerable groups)",
    "residents.capacity_mean": "draagkracht huishouden (mean household capacity, M€)",
    "rijk.gebiedsbudget": "gebiedsbudget Rijk (M€)",
    "rijk.tranches": "tranches van het gebiedsbudget (number)",
    "rijk.tranche_interval_quarters": "kwartalen tussen tranches (quarters between tranches)",
    "rijk.expert_capacity": "expertcapaciteit Rijk (extra work units per quarter)",
    "market.shocks.0.quarter": "vergunningstop: startkwartaal (permit freeze start; beyond horizon = none)",
    "behaviour.ambition_change_probability": "kans op koerswijziging na verkiezingen (new council changes ambitions)",
}

#: Dutch term -> English gloss (the app's glossary panel and the report's glossary)
GLOSSARY: tuple[tuple[str, str], ...] = (
    ("gebiedsontwikkeling", "area development: many parties developing one area together"),
    ("deelgebied", "sub-area of the development area"),
    ("kavel", "plot"),
    ("draagvlak", "support, willingness (0..1)"),
    ("draagkracht", "capacity to carry one's part: money, time, knowledge (0..1; 1 = can carry it)"),
    ("meeliften", "free riding: profiting from area-wide tasks without paying one's fair share"),
    ("beslisboom", "the NOVEX guide's decision tree for choosing a governance form"),
    ("tender", "public tender of municipal land; the award binds programme and payments"),
    ("SOK", "samenwerkingsovereenkomst: a co-operation agreement among owners and the municipality"),
    ("GEM", "grondexploitatiemaatschappij: a joint land-development company (PPS) that pools land and risk"),
    ("ontwikkelkader", "public framework: plan plus cost-recovery rules; owners develop within it"),
    ("kostenverhaal", "public cost recovery: developing owners pay towards public works at permit"),
    ("fonds bovenwijks", "fund for works that serve more than the area"),
    ("verevening", "equalisation of profits and losses across plots"),
    ("kettingbeding", "chain clause: obligations pass to every next owner of the property"),
    ("erfpacht", "ground lease: the municipality stays owner and sets conditions"),
    ("BIZ", "bedrijveninvesteringszone: business investment zone, compulsory levy after a vote"),
    ("GIZ", "gebiedsinvesteringszone: a (hypothetical) investment zone for all functions"),
    ("voorkeursrecht", "municipal pre-emption right on land (against speculation)"),
    ("onteigening", "expropriation, slow and costly last resort"),
    ("bouwplicht", "obligation to build within a set time"),
    ("grondprijs", "the land price: under an SOK the residual land value, at least the seller's book value"),
    ("grondafname", "a partner's take-up of land allotted to it, phased with the programme"),
    ("boete", "break fee: a share of the agreed land price, levied when a partner breaks its land obligation"),
    ("terugkooprecht", "the municipality's right to buy land it sold back (here at the price paid minus the boete)"),
    ("dubbel toetsen", "check capacity (draagkracht) as well as support before asking"),
    ("zienswijze / bezwaar / beroep", "view, objection, appeal: the stages residents can object in"),
    ("Rijk", "the central government"),
    ("gebiedsbudget", "the Rijk's budget for the area, paid in tranches"),
    ("inbrengwaarde", "existing-use value of a plot brought into the development"),
    ("stuurgroep", "steering group that can cut a knot after escalation"),
    ("afhaker", "drop-out: someone who gives up because the ask exceeds their capacity"),
)


def metric_label(metric: str) -> str:
    """'Dutch term (English gloss)', or the name itself for a metric without a term."""
    dutch, gloss = VOCABULARY.get(metric, (metric, ""))
    return f"{dutch} ({gloss})" if gloss else dutch


def metric_short(metric: str) -> str:
    """The Dutch term alone (axis labels, legends)."""
    return VOCABULARY.get(metric, (metric, ""))[0]


def group_label(group: str, newline: bool = False) -> str:
    nl, en = GROUP_NAMES.get(group, (group, ""))
    return f"{nl}{chr(10) if newline else ' '}({en})" if en else nl


def form_label(form: str, newline: bool = True) -> str:
    label = FORM_LABELS.get(form, form)
    return label if newline else label.replace("\n", " ")
