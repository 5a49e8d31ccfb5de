"""Swedish lexical retrieval: analyzer, compound lexicon and BM25 sparse vectors."""

from search.lexical.analyzer import SwedishAnalyzer
from search.lexical.sparse import SparseEncoder, SparseVector

__all__ = ["SparseEncoder", "SparseVector", "SwedishAnalyzer"]
