"""Names and limits shared with the CDK construct.

They live in ONE place, ``contract.json`` in this package, which the construct
reads too: the headers its CloudFront Function sets, the trusted headers it
removes from viewers in any spelling ("trustedHeaders", used by the construct
only), the readiness token's header and message, the message SECRET_KEY is derived with, the password-reset limits, the outbox's and the page
cache's prefixes, the admin paths (which CloudFront never caches), the command the
publishing schedule runs, the transfer area of the media bucket (prefix, URL lifetime), and every environment variable (the construct's side also
uses the alias, the schedule's name and the variable lists; runtime/tests/test_contract.py
checks the variables the runtime reads).
"""

from __future__ import annotations

import json
from pathlib import Path

CONTRACT_FILE = Path(__file__).resolve().parent / "contract.json"

with open(CONTRACT_FILE, encoding="utf-8") as _f:
    _CONTRACT = json.load(_f)

ORIGIN_VERIFY_HEADER: str = _CONTRACT["originVerifyHeader"]
VIEWER_HOST_HEADER: str = _CONTRACT["viewerHostHeader"]
DISTRIBUTION_DOMAIN_HEADER: str = _CONTRACT["distributionDomainHeader"]
VIEWER_ADDRESS_HEADER: str = _CONTRACT["viewerAddressHeader"]
READINESS_TOKEN_HEADER: str = _CONTRACT["readinessTokenHeader"]
READINESS_TOKEN_MESSAGE: str = _CONTRACT["readinessTokenMessage"]
SECRET_KEY_MESSAGE: str = _CONTRACT["secretKeyMessage"]
PASSWORD_RESET_WINDOW_SECONDS: int = _CONTRACT["passwordResetWindowSeconds"]
PASSWORD_RESET_EMAILS_PER_ADDRESS: int = _CONTRACT["passwordResetEmailsPerAddress"]
PASSWORD_RESET_REQUESTS_PER_CLIENT: int = _CONTRACT["passwordResetRequestsPerClient"]
EMAIL_PREFIX: str = _CONTRACT["emailPrefix"]
EMAIL_RECIPIENTS_PER_OBJECT: int = _CONTRACT["emailRecipientsPerObject"]
PURGE_PREFIX: str = _CONTRACT["purgePrefix"]
PAGE_CACHE_PREFIX: str = _CONTRACT["pageCachePrefix"]
ADMIN_PATHS: tuple[str, ...] = tuple(_CONTRACT["adminPaths"])
SCHEDULE_PREFIX: str = _CONTRACT["schedulePrefix"]
PUBLISHING_SCHEDULE_COMMAND: str = _CONTRACT["publishingScheduleCommand"]
TRANSFER_PREFIX: str = _CONTRACT["transferPrefix"]
TRANSFER_URL_SECONDS: int = _CONTRACT["transferUrlSeconds"]


def meta_key(header: str) -> str:
    """The WSGI environ key of a request header: ``x-viewer-host`` -> ``HTTP_X_VIEWER_HOST``."""
    return "HTTP_" + header.upper().replace("-", "_")
