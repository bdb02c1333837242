"""The market: house prices, construction costs, financing and absorption, with scripted shocks."""

from __future__ import annotations

import math

import numpy as np

from ..scenario import Market as MarketSpec


_SEGMENT = {"social": 0, "mid": 1, "market": 2}  # the position of a segment in Market.home_values


class Market:
    """Price and cost indices (1.0 at the start) that follow seeded log random walks.

    Scripted shocks: ``downturn`` lowers prices by ``magnitude`` for ``duration`` quarters; ``cost_spike``
    raises costs likewise; ``permit_freeze`` stops permit issuing (read by the municipality).
    """

    def __init__(self, spec: MarketSpec, rng: np.random.Generator):
        self.spec = spec
        self.rng = rng
        self.price_index = 1.0
        self.cost_index = 1.0
        self._price_trend = 1.0
        self._cost_trend = 1.0
        self.permit_freeze = False
        self.interest_rate = spec.interest_rate  # per year; constant unless a shock moves it

    def step(self, quarter: int) -> None:
        s = self.spec
        price_shock = cost_shock = 1.0
        self.permit_freeze = False
        for shock in s.shocks:
            if shock.quarter <= quarter < shock.quarter + shock.duration:
                if shock.kind == "downturn":
                    price_shock *= 1 - shock.magnitude
                elif shock.kind == "cost_spike":
                    cost_shock *= 1 + shock.magnitude
                else:
                    self.permit_freeze = True
        # a downturn costs the years of growth it lasts: while it runs the price trend does not drift (the
        # market comes back to where it stood, not to where it would have been; Dutch house prices of
        # 2008-2013 regained their nominal peak only around 2017), so waiting it out is no free option
        drift = 0.0 if price_shock < 1.0 else s.price_drift
        self._price_trend *= math.exp(drift + s.price_volatility * self.rng.standard_normal())
        self._cost_trend *= math.exp(s.cost_drift + s.cost_volatility * self.rng.standard_normal())
        self.price_index = self._price_trend * price_shock
        self.cost_index = self._cost_trend * cost_shock

    def underlying(self) -> tuple[float, float]:
        """The price and cost indices without the scripted shocks now running: the level the market returns
        to when a downturn or cost spike ends (what a land company expects over its issue horizon)."""
        return self._price_trend, self._cost_trend

    def home_values(self) -> tuple[float, float, float]:
        """The value of a (social, mid, market) home now (M€): regulated social rents do not follow the market.
        (One call for the three: a business case reads all of them, ~3,500 business cases a run.)"""
        s, index = self.spec, self.price_index
        return s.value_social, s.value_mid * index, s.value_market * index

    def home_value(self, segment: str) -> float:
        return self.home_values()[_SEGMENT[segment]]

    @property
    def build_cost(self) -> float:
        return self.spec.build_cost * self.cost_index

    def financing_cost(self, investment: float, quarters: int) -> float:
        """Interest on the average outstanding investment over the build period."""
        return investment * 0.5 * self.interest_rate * quarters / 4.0
