"""Structured logging: JSON lines for log collectors, readable lines for a terminal, secrets never shown.

``configure_logging(settings)`` is called once by the CLI. Every record passes two handler filters:
``RequestIdFilter`` stamps the current request id (a contextvar set by the web middleware, so it follows
the request into tasks it spawns), and ``RedactingFilter`` rewrites the message, the traceback and any
extra fields so tokens and passwords cannot reach the log, whichever library wrote the line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TextIO

from pydantic import SecretStr

from ginbot.settings import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("ginbot_request_id", default=None)
REDACTED = "[REDACTED]"

# Shorter "secrets" (a test password like "x") would blank out ordinary words all over the log.
MIN_SECRET_LEN = 4

# Patterns for secrets ginbot may not know the value of (another bot's token in a pasted URL, an error
# message quoting a header). Each keeps the part before the secret so the line still reads sensibly.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram puts the bot token in every API path: https://api.telegram.org/bot123456:ABC-xyz/sendMessage
    (re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+"), r"\1" + REDACTED),
    # ...and the same token pasted on its own.
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}"), REDACTED),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?!bearer\b)[^\s\"',;}]+"), r"\1" + REDACTED),
    # key=value and "key": "value" forms, e.g. a query string or a JSON body in an error message.
    (
        re.compile(
            r"(?i)((?:password|passwd|secret|access_token|channel_secret|api_key|token)[\"']?\s*[:=]\s*[\"']?)"
            r"[^\s\"'&,;}]+"
        ),
        r"\1" + REDACTED,
    ),
    # user:password@host in database and proxy URLs.
    (re.compile(r"(://[^/\s:@]+:)[^@\s/]+(@)"), r"\1" + REDACTED + r"\2"),
    # LINE channel access tokens are ~170 base64 characters; nothing else ginbot logs looks like that.
    (re.compile(r"[A-Za-z0-9+/]{100,}={0,2}"), REDACTED),
)


class Redactor:
    """Replaces known secret values, then anything shaped like a token, with ``[REDACTED]``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret containing another is replaced whole.
        values = {s for s in secrets if len(s) >= MIN_SECRET_LEN}
        self._secrets = sorted(values, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value in ``settings``: each SecretStr field and the database password."""
    found = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
    match = re.match(r"^[^:]+://[^/:@]+:([^@/]+)@", settings.database_url)
    if match:
        found.append(match.group(1))
    return found


# Attributes every LogRecord has; anything else came from ``extra=`` and is emitted as a field.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}
_TRACEBACKS = logging.Formatter()
# Keys whose values are secret whatever they look like (a headers mapping, a settings dump).
_SECRET_KEY = re.compile(r"(?i)authorization|password|passwd|secret|token|api_key|cookie")


class RedactingFilter(logging.Filter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not crash its caller; show what we have
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS:
                setattr(record, key, self._redact_value(key, value))
        return True

    def _redact_value(self, key: str, value: Any) -> Any:
        """Redacts strings inside ``extra=`` values too: a logged headers dict carries Authorization."""
        if _SECRET_KEY.search(key) and value:
            return REDACTED
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, Mapping):
            return {str(k): self._redact_value(str(k), v) for k, v in value.items()}
        if isinstance(value, list | tuple | set):
            return [self._redact_value("", v) for v in value]
        return value


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, exc, plus ``extra=`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and key not in entry:
                entry[key] = value
        # ensure_ascii=False keeps Thai readable in the log; default=str copes with odd extra= values.
        return json.dumps(entry, ensure_ascii=False, default=str)


class HumanFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


# Libraries that log every outgoing request URL at INFO: httpx (python-telegram-bot) would print one
# line per Telegram poll, each with the bot token in it (redacted, but noise all the same).
QUIET_LOGGERS = ("httpx", "httpcore", "telegram.ext.Updater", "apscheduler")

_installed: logging.Handler | None = None


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted, like logging's last-resort handler:
    a tool or test harness that swaps stderr (and later closes its stand-in) keeps working."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:
        return sys.stderr


def configure_logging(
    settings: Settings, stream: TextIO | None = None, *, level: str | None = None
) -> logging.Handler:
    """Send every log record to ``stream`` (stderr) as JSON lines or readable text; idempotent.

    JSON when ``settings.log_json`` is true, or when it is unset and the stream is not a terminal
    (a container, systemd, a pipe): log collectors want one object a line, people want columns.
    """
    global _installed
    handler: logging.StreamHandler[TextIO] = _CurrentStderr() if stream is None else logging.StreamHandler(stream)
    as_json = settings.log_json if settings.log_json is not None else not _isatty(handler.stream)

    handler.setFormatter(JsonFormatter() if as_json else HumanFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter(Redactor(secrets_of(settings))))

    root = logging.getLogger()
    if _installed is not None:
        root.removeHandler(_installed)
    root.addHandler(handler)
    root.setLevel(level or settings.log_level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    # An uncaught exception's traceback would otherwise go to stderr unredacted (an httpx error quotes
    # the Telegram URL, token included).
    sys.excepthook = _log_uncaught
    _installed = handler
    return handler


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    logging.getLogger("ginbot").critical("uncaught exception", exc_info=(kind, exc, tb))

