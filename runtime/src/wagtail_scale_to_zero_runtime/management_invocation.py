"""Management commands on Lambda: the operator path and the deployment's start-up.

``{"manage": ["<command>", "<arg>", ...]}``, sent by a direct invocation of the
function (never through its URL: a Function URL event always has
``requestContext``, and invoking the function needs ``lambda:InvokeFunction``),
runs that management command in this process, with the site's settings and
database, and returns ``{"exitCode": N, "output": "...", "seconds": S}``: the
command's stdout and stderr together, every secret of the environment and every
password-reset link blanked (log_redaction.py). The output also goes to the
function's log, redacted the same way. A database that is paused is waited for
as a page view waits (DATABASE_CONNECT_TIMEOUT).

Exit codes: 0 success; the code of a CommandError (1 unless the command sets
another) or of SystemExit; 2 for a request refused before the command runs: not
a list of strings, an unknown command, or a command that needs a terminal
(REFUSED names what to run instead) or runs a server.

The deployment's own invocation (``{}``) runs ``startup`` and raises
StartupFailed on failure, so that CloudFormation shows the output.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
import traceback
from typing import Any

from .log_redaction import redact_secrets, secret_values

MANAGE_KEY = "manage"
USAGE = 2  # the exit code of a request refused before its command runs, as argparse uses
# Commands that read from a terminal, and what to run instead.
REFUSED = {
    "shell": "shell reads from a terminal: pass the code with -c, e.g. shell -c \"from wagtail.models import Page; "
             "print(Page.objects.count())\"",
    "dbshell": "dbshell needs a terminal and psql: run SQL through shell -c with django.db.connection, or dumpdata",
    "changepassword": "changepassword prompts for the password: npx wagtail-scale-to-zero password --stack <stack> "
                      "--user <name> sets a new one and shows it once",
    "runserver": "runserver starts a server: the site already runs on the function's URL",
    "testserver": "testserver starts a server: the site already runs on the function's URL",
}
NO_INPUT = ("--noinput", "--no-input")
# shell runs its code without a terminal when given it.
SHELL_CODE = ("-c", "--command")
# Commands that prompt unless told not to.
PROMPTS_WITHOUT_NO_INPUT = ("createsuperuser", "flush", "collectstatic")


class StartupFailed(RuntimeError):
    """The management invocation failed; the message holds the command's output."""


class _Tee(io.TextIOBase):
    """Writes to a buffer (the invocation's result) and, redacted, to stdout (the function's log)."""

    def __init__(self, buffer: io.StringIO) -> None:
        self.buffer_ = buffer
        self.log = sys.stdout  # the process's own, also while the command's prints are redirected here
        self.secrets = secret_values()  # once: a command may write thousands of times

    def write(self, s: str) -> int:
        self.buffer_.write(s)
        self.log.write(redact_secrets(s, values=self.secrets))
        return len(s)

    def flush(self) -> None:
        self.log.flush()


def refusal(argv: Any) -> str | None:
    """Why ``argv`` is not run, or None."""
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        return 'manage takes a list of strings: {"manage": ["<command>", "<arg>", ...]}, e.g. {"manage": ["check"]}'
    command = argv[0]
    shell_with_code = command == "shell" and any(a in SHELL_CODE or a.startswith("--command=") for a in argv[1:])
    if command in REFUSED and not shell_with_code:
        return f"{command} is not run here: {REFUSED[command]}"
    if command in PROMPTS_WITHOUT_NO_INPUT and not any(a in NO_INPUT for a in argv[1:]):
        return f"{command} asks questions without --noinput: run {command} --noinput ..."
    from django.core.management import get_commands

    if command not in get_commands():
        return f"Unknown command: {command!r}; run help for the list"
    return None


def run_manage(argv: Any) -> dict[str, Any]:
    """The operator invocation: one management command, its exit code and redacted output."""
    from django.core.management import CommandError, call_command

    started = time.monotonic()
    reason = refusal(argv)
    if reason:
        return {"exitCode": USAGE, "output": redact_secrets(reason + "\n"), "seconds": 0.0}
    output = io.StringIO()
    tee = _Tee(output)
    code = 0
    try:
        # What the command prints itself (shell -c's code) belongs to its output too.
        with contextlib.redirect_stdout(tee), contextlib.redirect_stderr(tee):
            call_command(*argv, stdout=tee, stderr=tee)
    except CommandError as exc:
        code = exc.returncode
        tee.write(f"CommandError: {exc}\n")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except Exception:
        code = 1
        tee.write(traceback.format_exc())
    return {"exitCode": code, "output": redact_secrets(output.getvalue()),
            "seconds": round(time.monotonic() - started, 3)}


def run_startup() -> dict[str, Any]:
    """The deployment's invocation: the ``startup`` command, its output as the result."""
    from django.core.management import call_command

    output = io.StringIO()
    started = time.monotonic()
    try:
        call_command("startup", stdout=_Tee(output), stderr=_Tee(output))
    except Exception as exc:
        print(redact_secrets(traceback.format_exc()), file=sys.stderr, flush=True)
        message = f"startup failed: {type(exc).__name__}: {exc}\n--- output ---\n{output.getvalue()}"
        raise StartupFailed(redact_secrets(message)) from None
    return {"command": "startup", "seconds": round(time.monotonic() - started, 3),
            "output": redact_secrets(output.getvalue())}
