"""Runtime sizing knobs shared by settings.py, gunicorn.conf.py and bin/start.

The numbers live in ONE place: ``runtime-defaults.json`` next to manage.py, keyed
by the environment variable that carries each one. The CDK construct reads the
same file (for its synth-time connection budget) and passes each value to the
container under that name; the environment always wins, the JSON file is the
fallback. No number is repeated here.
"""

import json
import os
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = APP_DIR / "runtime-defaults.json"

_defaults = None


def defaults():
    """The runtime defaults, keyed by environment variable name."""
    global _defaults
    if _defaults is None:
        with open(DEFAULTS_FILE, encoding="utf-8") as f:
            _defaults = json.load(f)
    return _defaults


def get_int(env_name):
    """Positive integer from the environment, else from runtime-defaults.json."""
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

