"""Runtime sizing defaults, shared with the CDK construct.

The numbers live in ONE place, ``defaults.json`` in this package, keyed by the
environment variable that carries each one. The CDK construct reads the same
file (for its synth-time connection budget) and passes each value to the
container under that name; the environment always wins, the file is the
fallback. No number is repeated in Python.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

DEFAULTS_FILE = Path(__file__).resolve().parent / "defaults.json"


@cache
def defaults() -> dict[str, int]:
    """The runtime defaults, keyed by environment variable name."""
    with open(DEFAULTS_FILE, encoding="utf-8") as f:
        return json.load(f)


def get_int(env_name: str) -> int:
    """Positive integer from the environment, else from defaults.json."""
    raw = os.environ.get(env_name, "").strip()
    if raw:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{env_name} must be an integer, got {raw!r}") from None
    else:
        value = int(defaults()[env_name])
    if value < 1:
        raise ValueError(f"{env_name} must be >= 1, got {value}")
    return value
