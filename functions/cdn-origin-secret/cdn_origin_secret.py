"""CloudFormation custom resource: the value CloudFront sends in X-Origin-Verify, derived from the database secret.

The value must exist at deployment (it is the distribution's origin header), and anyone who may read the
distribution reads it, so it is derived rather than stored in a secret of its own ($0.40 a month): the hex
HMAC-SHA256 of ResourceProperties.Message (contract.json's cdnOriginMessage) keyed with the password of the database
secret (ResourceProperties.DatabaseSecretArn). It reveals neither that password nor the app's SECRET_KEY, which is
derived with another message (the contract's test keeps the two apart). Create and Update
answer it as the attribute `Value`, with NoEcho, so that CloudFormation masks it; the same password gives the same
value, so an update of this resource never changes what CloudFront and the app agree on. Delete answers success.

The answer is a PUT of JSON to the pre-signed ResponseURL that CloudFormation sends, as cfn-response does. The log
holds the request type and, on failure, the error's type and AWS's message: never the value or the password.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from typing import Any

import boto3
from botocore.exceptions import ClientError

# One value per stack: a fixed id, so an update is never a replacement (which would delete the old one).
PHYSICAL_ID = "cdn-origin-secret"


def origin_secret(password: str, message: str) -> str:
    """The header value for a database password."""
    return hmac.new(password.encode(), message.encode(), hashlib.sha256).hexdigest()


def respond(event: dict[str, Any], status: str, reason: str = "", data: dict[str, str] | None = None) -> None:
    """Sends CloudFormation the outcome of `event`."""
    body = json.dumps({
        "Status": status, "Reason": reason, "PhysicalResourceId": PHYSICAL_ID, "StackId": event["StackId"],
        "RequestId": event["RequestId"], "LogicalResourceId": event["LogicalResourceId"], "NoEcho": True,
        "Data": data or {},
    }).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                     headers={"Content-Type": "", "Content-Length": str(len(body))})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def handler(event: dict[str, Any], context: Any) -> None:
    """The custom resource's Lambda handler."""
    print(f"cdn-origin-secret: {event.get('RequestType')} {event.get('LogicalResourceId')}", flush=True)
    if event.get("RequestType") == "Delete":
        respond(event, "SUCCESS")
        return
    properties = event.get("ResourceProperties", {})
    message = properties.get("Message")
    if not isinstance(message, str) or not message:
        respond(event, "FAILED", reason="the resource has no Message property")
        return
    try:
        secret = boto3.client("secretsmanager").get_secret_value(SecretId=properties["DatabaseSecretArn"])
        password = json.loads(secret["SecretString"])["password"]
    except ClientError as exc:
        reason = f"reading the database secret failed: {exc}"
    except (KeyError, TypeError, ValueError) as exc:
        reason = f"the database secret has no password field ({type(exc).__name__})"
    else:
        respond(event, "SUCCESS", data={"Value": origin_secret(password, message)})
        return
    print(f"cdn-origin-secret: {reason}", flush=True)
    respond(event, "FAILED", reason=reason)
