"""Ranking: model or popularity scores -> filtered, boosted, diversified top-K with reasons."""

from edge.reco.ranker import Placement, Ranked, Ranker, department_mask
from edge.reco.result import RecoResult
from edge.reco.scores import ScoreSource

__all__ = ["Placement", "RecoResult", "Ranked", "Ranker", "ScoreSource", "department_mask"]
