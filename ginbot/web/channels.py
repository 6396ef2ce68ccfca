"""The receiving side of every registered channel while the server runs, filled in at startup."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from ginbot.channels.registry import REGISTRY, Receiver, Registry
from ginbot.core.messages import Channel
from ginbot.web.background import BackgroundTasks

if TYPE_CHECKING:
    from ginbot.channels.inbox import Inbox, Processor
    from ginbot.channels.line import LineChannel
    from ginbot.channels.telegram import TelegramChannel


@dataclass
class Channels:
    tasks: BackgroundTasks
    receivers: dict[str, Receiver] = field(default_factory=dict)
    registry: Registry = REGISTRY
    # The durable webhook inbox and its processor (ginbot/channels/inbox.py), made at startup with the database.
    inbox: Inbox | None = None
    processor: Processor | None = None

    def get(self, name: str) -> Receiver | None:
        return self.receivers.get(name)

    @property
    def line(self) -> LineChannel | None:
        return cast("LineChannel | None", self.receivers.get(Channel.LINE))

    @property
    def telegram(self) -> TelegramChannel | None:
        return cast("TelegramChannel | None", self.receivers.get(Channel.TELEGRAM))

    def status(self) -> dict[str, str]:
        """Per channel that receives by webhook or polling: "off" (not configured), "starting", "ready", or
        "failed: …"."""
        return {
            spec.name: self.receivers[spec.name].status if spec.name in self.receivers else "off"
            for spec in self.registry
            if spec.receiver is not None
        }
