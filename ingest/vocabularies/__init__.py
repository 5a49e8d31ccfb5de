"""Data files that name things: programs, document types, organisations.

They are data, not code, so a coordinator can add a program or a synonym
without touching Python. ``load(name)`` reads one of them (cached).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml


@cache
def load(name: str):
    """The parsed YAML file ``<name>.yaml`` of this folder."""
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)
