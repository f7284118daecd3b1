"""A trained recommender as bytes, so the database can keep it between refreshes.

The bytes are ``numpy.savez_compressed`` of the model's ``to_state`` arrays, read back with
``allow_pickle=False``: the database is shared by every process and is not trusted to
unpickle. The state holds the basket counts (upper triangle), not the similarity rows a query
reads: on the sandbox master (69,659 orders, 11,377 items) the counts take 3.8 MB against
5.3 MB for the rows, rebuilding the rows from them takes about 0.06 s, and the counts are
what a later ``partial_fit`` needs. Compressed they take 0.65 MB (the item ids are padded
unicode and the counts repeat few values) for 0.25 s more when a full run writes them and
0.01 s when a run reads them (``bench/bench_recs.py --incremental``).
"""

from __future__ import annotations

import io
import zipfile
from typing import TypeVar

import numpy as np

from insights.recommend.recommender import BasketRecommender

Model = TypeVar("Model", bound=BasketRecommender)


def dump_model(model: BasketRecommender) -> bytes:
    """The model's state as one compressed ``.npz``."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **model.to_state())
    return buffer.getvalue()


def load_model(payload: bytes, kind: type[Model]) -> Model:
    """Rebuild a model of ``kind`` from ``dump_model`` bytes; ``ValueError`` for anything else."""
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as arrays:
            state = {name: arrays[name] for name in arrays.files}
        return kind.from_state(state)
    except (OSError, EOFError, KeyError, zipfile.BadZipFile) as error:
        raise ValueError(f"not a stored model state: {error!r}") from error
