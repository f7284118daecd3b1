"""Product recommendations from order baskets.

`ItemKNN` answers "frequently bought together" (`similar_items`) and "for you"
(`recommend`) from sparse co-purchase counts; `Popularity` is the baseline and the
cold-start fallback. Both refresh incrementally (`partial_fit`) and persist as plain
arrays (`to_state` / `from_state`). `rerank` and the `boost` argument let other modules
(e.g. loyalty rewards) lift particular products without knowing how scores are made.
"""

from insights.recommend.baskets import Basket, Item, read_baskets
from insights.recommend.counts import BasketCounts, BasketWeighting
from insights.recommend.evaluate import evaluate_baskets_file
from insights.recommend.item_knn import ItemKNN
from insights.recommend.popularity import Popularity
from insights.recommend.ranking import Recommendation, rerank
from insights.recommend.recommender import BasketRecommender, History
from insights.recommend.similarity import Similarity, SimilarityKind

__all__ = [
    "Basket",
    "BasketCounts",
    "BasketRecommender",
    "BasketWeighting",
    "History",
    "Item",
    "ItemKNN",
    "Popularity",
    "Recommendation",
    "Similarity",
    "SimilarityKind",
    "evaluate_baskets_file",
    "read_baskets",
    "rerank",
]
