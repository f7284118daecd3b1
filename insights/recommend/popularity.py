"""Best-sellers: the baseline to beat and the answer when nothing is known about a shopper."""

from __future__ import annotations

import numpy as np

from insights.recommend.counts import BasketCounts
from insights.recommend.recommender import BasketRecommender


class Popularity(BasketRecommender):
    """Ranks items by the share of baskets holding them, whatever the query."""

    model_name = "popularity"
    uses_pairs = False

    def _empty_counts(self) -> BasketCounts:
        return BasketCounts(pairs=False)

    def _refresh(self) -> None:
        """Nothing derived to rebuild: scores are read straight off the counts."""

    def _scores(self, codes: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return self.popularity()
