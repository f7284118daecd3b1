"""What comments talk about: a few topics, each named by its top words, from survey comments,
complaint texts and review texts, computed here (no outside service) and the same every time.

TF-IDF over words (English stop words left out; word pairs split short comments into noise) factored by NMF with a fixed
seed: each topic is a weighted list of terms, and a comment belongs to the topic that weighs
most in it. A topic is shown as its top terms, the comments it covers and how many of those
came from detractors (people whose latest NPS answer is 0-6), which is what makes it
explainable: the words are in the comments it counts. Too few comments for NMF (or a
factorisation that finds nothing) fall back to plain term counts: one topic per frequent term.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from feedback.models import Complaint, ComplaintMessage, MessageAuthor, Review, Survey, SurveyStatus

MIN_COMMENTS = 8
"""Below this, NMF finds noise: the summary counts terms instead."""
TOP_TERMS = 5
SEED = 7


@dataclass(frozen=True)
class Comment:
    text: str
    profile_id: int
    detractor: bool


@dataclass(frozen=True)
class Topic:
    terms: list[str]
    comments: int
    detractors: int

    @property
    def term(self) -> str:
        return self.terms[0]

    @property
    def label(self) -> str:
        return ", ".join(self.terms[:3])

    @property
    def detractor_share(self) -> float | None:
        return round(self.detractors / self.comments, 4) if self.comments else None


def topics_of(comments: Sequence[Comment], *, topics: int = 12) -> list[Topic]:
    """Topics of ``comments``, most comments first (ties by their terms): deterministic."""
    texts = [c.text for c in comments if c.text and c.text.strip()]
    kept = [c for c in comments if c.text and c.text.strip()]
    if not texts:
        return []
    if len(texts) >= MIN_COMMENTS:
        found = _nmf(kept, texts, topics)
        if found:
            return found
    return _counted(kept, texts, topics)


def _nmf(kept: Sequence[Comment], texts: list[str], topics: int) -> list[Topic]:
    from sklearn.decomposition import NMF  # imported when asked: scikit-learn takes a second to load
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.6, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing left after stop words and document-frequency bounds
        return []
    n = min(topics, matrix.shape[1], len(texts) - 1)
    if n < 1:
        return []
    model = NMF(n_components=n, init="nndsvd", random_state=SEED, max_iter=500)
    weights = model.fit_transform(matrix)
    terms = vectorizer.get_feature_names_out()
    found = []
    for k in range(n):
        members = [i for i in range(len(texts)) if weights[i].max() > 0 and int(np.argmax(weights[i])) == k]
        if not members:
            continue
        order = np.argsort(-model.components_[k], kind="stable")
        top = [str(terms[j]) for j in order[:TOP_TERMS] if model.components_[k][j] > 0]
        if top:
            found.append(Topic(top, len(members), sum(kept[i].detractor for i in members)))
    return sorted(found, key=lambda t: (-t.comments, t.terms))


def _counted(kept: Sequence[Comment], texts: list[str], topics: int) -> list[Topic]:
    from sklearn.feature_extraction.text import CountVectorizer

    counter = CountVectorizer(stop_words="english", binary=True)
    try:
        matrix = counter.fit_transform(texts)
    except ValueError:
        return []
    terms = counter.get_feature_names_out()
    counts = np.asarray(matrix.sum(axis=0)).ravel()
    ranked = sorted(range(len(terms)), key=lambda j: (-counts[j], terms[j]))[:topics]
    found = []
    for j in ranked:
        members = matrix[:, j].nonzero()[0]
        found.append(Topic([str(terms[j])], len(members), sum(kept[i].detractor for i in members)))
    return found


async def comments_of(
    merchant_id: int, detractors: set[int], since: datetime | None = None, until: datetime | None = None
) -> list[Comment]:
    """Survey comments, complaints (subject and the shopper's messages, one comment each) and
    reviews (title and text) of the merchant, in [since, until) when given, oldest first."""
    bounds = {op: at for op, at in (("gte", since), ("lt", until)) if at is not None}

    def within(column: str) -> dict[str, datetime]:
        return {f"{column}__{op}": at for op, at in bounds.items()}

    found: list[tuple[datetime, str, Comment]] = []

    def add(at: datetime, key: str, pid: int, *parts: str | None) -> None:
        text = " ".join(p.strip() for p in parts if p and p.strip())
        if text:
            found.append((at, key, Comment(text, pid, pid in detractors)))

    for sid, pid, comment, at in (
        await Survey.filter(merchant_id=merchant_id, status=SurveyStatus.ANSWERED, **within("answered_at"))
        .exclude(comment=None)
        .values_list("id", "profile_id", "comment", "answered_at")
    ):
        add(at, f"s{sid:012d}", pid, comment)
    complaints = await Complaint.filter(merchant_id=merchant_id, **within("received_at")).values_list(
        "id", "profile_id", "subject", "received_at"
    )
    said: dict[int, list[str]] = {}
    for cid, body in (
        await ComplaintMessage.filter(complaint_id__in=[c[0] for c in complaints], author=MessageAuthor.SHOPPER)
        .order_by("created_at", "id")
        .values_list("complaint_id", "body")
    ):
        said.setdefault(cid, []).append(body)
    for cid, pid, subject, at in complaints:
        add(at, f"c{cid:012d}", pid, subject, *said.get(cid, []))
    for rid, pid, title, body, at in await Review.filter(merchant_id=merchant_id, **within("created_at")).values_list(
        "id", "profile_id", "title", "body", "created_at"
    ):
        add(at, f"r{rid:012d}", pid, title, body)
    found.sort(key=lambda row: (row[0], row[1]))
    return [c for _, _, c in found]
