"""Typed settings from ``GINBOT_*`` environment variables: the only module that reads the environment.

Settings are built from a mapping (``os.environ`` by default) so tests pass a plain dict instead of
patching the process environment, the way starlette's ``Config`` does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, IPvAnyNetwork, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from ginbot.core.office_hours import OfficeHours

PREFIX = "GINBOT_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
LINE_PUBLIC_API = "https://api.line.me"
LINE_PUBLIC_DATA_API = "https://api-data.line.me"
TELEGRAM_PUBLIC_API = "https://api.telegram.org/bot"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True)

    database_url: str = "sqlite+aiosqlite:///ginbot.db"
    # Checked at start (validate_default): a wheel installed outside the checkout must set both.
    data_dir: Path = Field(default=PROJECT_ROOT / "data", validate_default=True)
    intents_dir: Path = Field(default=PROJECT_ROOT / "intents", validate_default=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str | None = None

    line_channel_secret: SecretStr | None = None
    line_channel_access_token: SecretStr | None = None
    line_api_base: str = LINE_PUBLIC_API
    # Where rich-menu images are uploaded (LINE's data API host); tests point it at the same stub.
    line_data_api_base: str = LINE_PUBLIC_DATA_API

    telegram_token: SecretStr | None = None
    telegram_api_base: str = TELEGRAM_PUBLIC_API
    telegram_webhook_secret: SecretStr | None = None
    # Telegram user ids allowed to use the staff /broadcast command.
    telegram_staff_ids: list[int] = Field(default_factory=list)

    # --- handoff to staff (ginbot/core/handoff.py, ginbot/handoff) -----------------------------------------
    # The Telegram group (or forum supergroup) where handoffs are posted; staff in telegram_staff_ids answer.
    telegram_staff_chat_id: int | None = None
    # Staff office hours, Bangkok time, Monday to Friday; weekends and these dates (ISO, comma-separated) off.
    office_hours: str = "08:30-16:30"
    holidays: list[date] = Field(default_factory=list)
    # What the official sees as the sender of a staff reply (never a staff member's account name).
    handoff_staff_label: str = Field(default="เจ้าหน้าที่ สพร.", min_length=1, max_length=40)

    admin_password: SecretStr | None = None
    today: date | None = None
    timezone: str = "Asia/Bangkok"

    # Run the reminder planner and the outbox sender inside `ginbot serve`.
    run_sender: bool = True
    # Port on which `ginbot worker` serves its own /metrics (deliveries, outbox depth) and /healthz (503 once
    # its planner or sender died); unset: none. `ginbot serve` always serves both on its web port.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # HOST:PORT on which `ginbot serve` serves /metrics instead of on its public web port (e.g.
    # 127.0.0.1:9101, reachable only from the machine or the monitoring network); unset: the web port.
    metrics_address: str | None = None
    # When set, /metrics (web port, GINBOT_METRICS_ADDRESS or the worker's port) wants
    # `Authorization: Bearer <this token>` and answers 401 without it.
    metrics_token: SecretStr | None = None
    # Largest webhook body accepted; LINE batches events but stays far below this.
    max_webhook_body_bytes: int = Field(default=1_000_000, ge=1024)
    # JSON log lines; unset means JSON when stderr is not a terminal (containers, systemd, pipes).
    log_json: bool | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # --- delivery (ginbot/delivery): reminders, broadcasts, the outbox sender -----------------------------
    # Staff-editable reminder policy; None means data_dir / "reminders.yml".
    reminders_file: Path | None = None
    # Staff-editable check-in policy ("does v9 work for you?"); None means data_dir / "checkins.yml".
    checkins_file: Path | None = None
    # A reminder whose moment passed while ginbot was down is still sent this late, never later.
    reminder_grace_s: int = Field(default=6 * 3600, ge=0)
    # How often the planner looks for due reminders and check-ins; a minute is far finer than 09:00 needs.
    # Broadcasts do not wait for it: a confirmed one wakes it (PostgreSQL NOTIFY; on SQLite due broadcasts
    # are looked for twice per GINBOT_SENDER_IDLE_POLL_S), and it sleeps no longer than the next one's time.
    planner_interval_s: float = Field(default=30.0, gt=0)
    # Telegram's published guidance: about 30 messages/s in bulk and 1 message/s per chat. On PostgreSQL these
    # limits (and LINE's below) are the deployment's: every serve and worker asks the same rate_limits rows.
    telegram_rate_per_s: float = Field(default=30.0, gt=0)
    telegram_per_chat_interval_s: float = Field(default=1.0, ge=0)
    # LINE's multicast accepts at most 500 user ids per request.
    line_multicast_size: int = Field(default=500, ge=1, le=500)
    # LINE multicast: about 200 requests/s per channel (unofficial); keep well under it.
    line_requests_per_s: float = Field(default=50.0, gt=0)
    # Telegram rows claimed per transaction: also the most that a kill -9 can duplicate per worker.
    sender_batch_size: int = Field(default=50, ge=1, le=1000)
    # Concurrent Telegram requests per worker: 8 covers 30 msg/s at up to 250 ms a round trip, and more
    # connections cost CPU in httpx's pool without sending faster.
    sender_concurrency: int = Field(default=8, ge=1, le=256)
    sender_max_attempts: int = Field(default=8, ge=1)
    # A row claimed longer ago than this is taken to belong to a crashed worker and is sent again.
    sender_lease_s: float = Field(default=120.0, gt=0)
    sender_backoff_base_s: float = Field(default=5.0, gt=0)
    sender_backoff_max_s: float = Field(default=1800.0, gt=0)
    sender_idle_poll_s: float = Field(default=1.0, gt=0)
    send_timeout_s: float = Field(default=30.0, gt=0)

    # --- the durable inbox (ginbot/channels/inbox.py) and database timeouts -------------------------------
    # Connecting to PostgreSQL gives up after this long (serve): /healthz and webhooks answer 503, not hang.
    database_connect_timeout_s: float = Field(default=3.0, gt=0)
    # One PostgreSQL statement, and storing a webhook's events, gives up after this long (serve).
    database_statement_timeout_s: float = Field(default=3.0, gt=0)
    # A webhook event leased longer ago than this is taken to belong to a dead process and handled again.
    inbox_lease_s: float = Field(default=60.0, gt=0)
    # Attempts at handling a stored webhook event before it is given up (the last one apologises).
    inbox_max_attempts: int = Field(default=6, ge=1)
    # Delay before the first retry of a stored webhook event (jittered); doubles each attempt up to the maximum.
    inbox_backoff_base_s: float = Field(default=1.0, gt=0)
    # Longest delay between retries of a stored webhook event.
    inbox_backoff_max_s: float = Field(default=60.0, gt=0)
    # Webhook events handled at the same time (different people; one person's events always in order).
    inbox_concurrency: int = Field(default=64, ge=1, le=1000)
    # Days webhook event ids are remembered (LINE and Telegram redeliver for about a day); older events are
    # refused as possible replays.
    inbox_keep_days: int = Field(default=7, ge=1, le=365)
    # How long a new webhook event waits for an earlier message of the same person still on its way to
    # another replica, so the two are answered in the order they were sent. Unset: 0.2 s on PostgreSQL
    # (replicas), 0 on SQLite (one process).
    inbox_reorder_s: float | None = Field(default=None, ge=0, le=5)

    # --- the public web chat and the admin sign-in (ginbot/web) ------------------------------------------
    # Comma-separated addresses or networks of the reverse proxies in front of ginbot; only from these is
    # X-Forwarded-For believed (web-chat limits, admin sign-in delays and audit). Unset: the socket's peer.
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    # Web-chat messages per minute one visitor id may send (a token bucket); over it: 429 + Retry-After.
    webchat_rate_per_min: float = Field(default=20.0, gt=0)
    # Web-chat messages one visitor id may send at once after a pause (the bucket's size).
    webchat_burst: int = Field(default=10, ge=1)
    # Web-chat messages per minute from one client address, all visitor ids together.
    webchat_address_rate_per_min: float = Field(default=60.0, gt=0)
    # Web-chat messages one client address may send at once after a pause.
    webchat_address_burst: int = Field(default=30, ge=1)
    # Days a web-chat visitor and their messages are kept after their last message (checked hourly).
    webchat_keep_days: int = Field(default=30, ge=1)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("data_dir", "intents_dir")
    @classmethod
    def _existing_folder(cls, value: Path, info: ValidationInfo) -> Path:
        if not value.is_dir():
            holds = "answers.yml, reminders.yml and the CSV files" if info.field_name == "data_dir" else "one YAML file per intent"
            raise ValueError(f"{value} is not a folder; it must hold {holds} (data/ and intents/ of the checkout)")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("office_hours")
    @classmethod
    def _office_hours(cls, value: str) -> str:
        from ginbot.core.office_hours import parse_span

        parse_span(value)  # OfficeHoursError is a ValueError: reported naming GINBOT_OFFICE_HOURS
        return value

    @field_validator("telegram_staff_ids", "trusted_proxies", "holidays", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("metrics_address")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if not value:
            return None
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdecimal() or not 1 <= int(port) <= 65535:
            raise ValueError("must be HOST:PORT, e.g. 127.0.0.1:9101")
        return value

    @property
    def metrics_host_port(self) -> tuple[str, int] | None:
        if self.metrics_address is None:
            return None
        host, _, port = self.metrics_address.rpartition(":")
        return host.strip("[]"), int(port)

    @field_validator("public_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, *args, **kwargs):  # type: ignore[no-untyped-def]
        # load_settings() collects the variables itself, so only explicit values count here.
        return (init_settings,)

    @property
    def reminders_path(self) -> Path:
        return self.reminders_file or self.data_dir / "reminders.yml"

    @property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return tuple(ip_network(str(n)) for n in self.trusted_proxies)

    @property
    def checkins_path(self) -> Path:
        return self.checkins_file or self.data_dir / "checkins.yml"

    @property
    def staff_hours(self) -> OfficeHours:
        from ginbot.core.office_hours import OfficeHours

        return OfficeHours.from_text(self.office_hours, self.holidays, ZoneInfo(self.timezone))

    @property
    def line_enabled(self) -> bool:
        return self.line_channel_secret is not None and self.line_channel_access_token is not None

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_token is not None


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from ``environ`` (default: the process environment) plus explicit overrides.

    Raises SettingsError naming the variable when one is malformed.
    """
    source = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for field in Settings.model_fields:
        key = PREFIX + field.upper()
        if key in source and source[key] != "":
            values[field] = source[key]
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        # Validating the collected mapping (rather than letting pydantic-settings read os.environ itself)
        # keeps one source, so a test's dict is never mixed with the developer's shell.
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = PREFIX + str(err["loc"][0]).upper() if err["loc"] else "settings"
            problems.append(f"{name}: {err['msg'].removeprefix('Value error, ')}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None
