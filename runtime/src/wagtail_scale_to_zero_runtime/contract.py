"""Names and limits shared with the CDK construct.

They live in ONE place, ``contract.json`` in this package, which the construct
reads too: the readiness token's header and message.
"""

from __future__ import annotations

import json
from pathlib import Path

CONTRACT_FILE = Path(__file__).resolve().parent / "contract.json"

with open(CONTRACT_FILE, encoding="utf-8") as _f:
    _CONTRACT = json.load(_f)

READINESS_TOKEN_HEADER: str = _CONTRACT["readinessTokenHeader"]
READINESS_TOKEN_MESSAGE: str = _CONTRACT["readinessTokenMessage"]


def meta_key(header: str) -> str:
    """The WSGI environ key of a request header: ``x-viewer-host`` -> ``HTTP_X_VIEWER_HOST``."""
    return "HTTP_" + header.upper().replace("-", "_")
