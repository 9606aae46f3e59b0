"""Runtime sizing knobs shared by settings.py, gunicorn.conf.py and bin/start.

The numbers live in ONE place: ``runtime-defaults.json`` next to manage.py. The
CDK construct reads the same file (for its synth-time connection budget) and
passes each value to the container as an environment variable; the environment
always wins, the JSON file is the fallback. No number is repeated here.
"""

import json
import os
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = APP_DIR / "runtime-defaults.json"

# env var name -> key in runtime-defaults.json
ENV_TO_KEY = {
    "WEB_CONCURRENCY": "webConcurrency",
    "GUNICORN_THREADS": "threadsPerWorker",
    "DATABASE_POOL_MAX_SIZE": "databasePoolMaxSize",
    "DATABASE_POOL_MAX_IDLE": "databasePoolMaxIdleSeconds",
    "DATABASE_CONNECT_TIMEOUT": "databaseConnectTimeoutSeconds",
    "PORT": "port",
}

_defaults = None


def defaults():
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
        value = int(defaults()[ENV_TO_KEY[env_name]])
    if value < 1:
        raise ValueError(f"{env_name} must be >= 1, got {value}")
    return value


if __name__ == "__main__":  # `python -m cms.runtime NAME` prints one value (for shell)
    import sys

    print(get_int(sys.argv[1]))
