"""The topic summary over the sandbox's planted comments: it names every planted theme, counts the
detractors among each topic's comments, comes out the same every time (and whatever the order of
equal inputs), and falls back to word counts when there are too few comments for NMF."""

from __future__ import annotations

from feedback.topics import Comment, topics_of
from sandbox.dataset import build


def planted_comments() -> list[Comment]:
    planted = build("sample", 7).feedback
    found = [Comment(s.comment, s.person_id, s.score <= 6) for s in planted.surveys if s.comment]
    for c in planted.complaints:
        said = " ".join([c.subject] + [m.body for m in c.messages if m.author == "shopper"])
        found.append(Comment(said, c.person_id, planted.dispositions[c.person_id] == "detractor"))
    found += [Comment(f"{r.title} {r.body}", r.person_id, False) for r in planted.reviews]
    return found


def test_topics_name_every_planted_theme_and_where_detractors_speak():
    topics = topics_of(planted_comments())
    theme_of = {tuple(sorted(t.terms[:2])): t for t in topics}
    for pair in (("delivery", "late"), ("disc", "scratched"), ("customer", "service"), ("great", "selection")):
        assert pair in theme_of, (pair, [t.terms for t in topics])
    assert any({"fast", "shipping"} <= set(t.terms) for t in topics)
    assert any("prices" in t.terms for t in topics)
    late, selection = theme_of[("delivery", "late")], theme_of[("great", "selection")]
    assert late.detractor_share and late.detractor_share > 0.3 and selection.detractors == 0
    assert all(t.term == t.terms[0] and t.comments > 0 for t in topics)
    assert [t.comments for t in topics] == sorted((t.comments for t in topics), reverse=True)


def test_topics_are_the_same_every_time():
    comments = planted_comments()
    assert topics_of(comments) == topics_of(list(comments)) == topics_of(planted_comments())


def test_a_few_comments_are_counted_by_word():
    few = [
        Comment("Late delivery", 1, True),
        Comment("The delivery was late", 2, True),
        Comment("Great selection", 3, False),
    ]
    topics = topics_of(few)
    assert topics[0].terms in (["delivery"], ["late"]) and topics[0].comments == 2 and topics[0].detractors == 2
    assert topics_of([]) == [] and topics_of([Comment("   ", 1, False)]) == []
