"""The committed judging files agree with each other: a judgment names a question its file holds."""

from __future__ import annotations

from api.evaluation import load_judgments, load_queries
from tests.conftest import ROOT

EVAL = ROOT / "eval"


def test_every_pooled_judgment_names_a_question_of_its_file():
    judged = load_judgments(EVAL / "pooled_judgments.jsonl")
    ids = {path.stem: {str(q["id"]) for q in load_queries(path)} for path in EVAL.glob("*_queries*.jsonl")}
    assert {stem for stem, _ in judged} <= set(ids)
    assert all(qid in ids[stem] for stem, qid in judged)
    # a snippet that repeats the question's own gold string would judge nothing
    gold = {(path.stem, str(q["id"])): q["gold"] for path in EVAL.glob("*_queries*.jsonl") for q in load_queries(path)}
    assert all(not set(also) & set(gold[key]) for key, also in judged.items())
