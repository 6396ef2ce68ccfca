"""What an operator's Prometheus sees at GET /metrics, through the real aiohttp app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from ginbot.core.messages import IncomingMessage, Kind, Reply
from ginbot.core.turn import Outcome
from ginbot.db.session import Database
from ginbot.observability import metrics
from ginbot.settings import load_settings
from ginbot.web.app import create_app

EXPORTED = {
    "ginbot_build_info": "gauge",
    "ginbot_messages_received": "counter",
    "ginbot_intents": "counter",
    "ginbot_fallbacks": "counter",
    "ginbot_reply_latency_seconds": "histogram",
    "ginbot_outbox_queued": "gauge",
    "ginbot_deliveries": "counter",
    "ginbot_webhook_rejections": "counter",
}


class EchoBot:
    async def handle(self, message: IncomingMessage) -> list[Reply]:
        return [Reply(f"echo: {message.text}")]


@pytest.fixture
async def client(sqlite_db: Database) -> AsyncIterator[TestClient]:
    app = create_app(load_settings({"GINBOT_RUN_SENDER": "false"}), db=sqlite_db, bot=EchoBot())
    async with TestClient(TestServer(app)) as client:
        yield client
    metrics.set_outbox_depth_source(None)


async def scrape(client: TestClient) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """{sample name: {sorted labels: value}} from one real scrape."""
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    values: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(await resp.text()):
        for s in family.samples:
            values.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return values


async def test_metrics_lists_every_ginbot_metric_with_its_type(client: TestClient) -> None:
    resp = await client.get("/metrics")
    families = {f.name: f.type for f in text_string_to_metric_families(await resp.text())}
    assert {name: families.get(name) for name in EXPORTED} == EXPORTED
    # Only ginbot's own registry: no process_* or python_gc_* series from prometheus-client's default one.
    assert all(name.startswith("ginbot_") for name in families)


async def test_quiet_channels_read_zero_rather_than_missing(client: TestClient) -> None:
    values = await scrape(client)
    for channel in ("line", "telegram", "web"):
        assert (("channel", channel),) in values["ginbot_messages_received_total"]
        assert (("channel", channel), ("outcome", "blocked")) in values["ginbot_deliveries_total"]


async def test_counters_the_app_and_others_increment_show_up_in_the_scrape(client: TestClient) -> None:
    before = await scrape(client)
    # A follow event's turn (nothing to classify): a message and a latency, no intent.
    metrics.observe_turn(IncomingMessage("telegram", "42", "", kind=Kind.FOLLOW), None, Outcome([]), 0.01)
    metrics.count_delivery("line", "sent", recipients=500)
    metrics.count_delivery("telegram", "retried")
    metrics.INTENTS.labels("migration_date").inc()
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        key = tuple(sorted(labels.items()))
        return after[name].get(key, 0.0) - before.get(name, {}).get(key, 0.0)

    assert delta("ginbot_messages_received_total", channel="telegram") == 1
    assert delta("ginbot_reply_latency_seconds_count", channel="telegram") == 1
    assert delta("ginbot_deliveries_total", channel="line", outcome="sent") == 500
    assert delta("ginbot_deliveries_total", channel="telegram", outcome="retried") == 1
    assert delta("ginbot_intents_total", intent="migration_date") == 1


def test_outcomes_and_reasons_are_a_fixed_set() -> None:
    with pytest.raises(ValueError, match="outcome"):
        metrics.count_delivery("line", "delivered")
    with pytest.raises(ValueError, match="reason"):
        metrics.count_rejection("line", "because")


async def test_outbox_depth_is_read_at_scrape_time(client: TestClient) -> None:
    queued = {"line": 3}

    async def depth() -> Mapping[str, int]:
        return dict(queued)

    # The app counts its own (empty) outbox from the start.
    assert (await scrape(client))["ginbot_outbox_queued"] == {(("channel", "line"),): 0.0, (("channel", "telegram"),): 0.0}
    metrics.set_outbox_depth_source(None)
    assert "ginbot_outbox_queued" not in await scrape(client), "no source: unknown, not zero"
    metrics.set_outbox_depth_source(depth)
    values = (await scrape(client))["ginbot_outbox_queued"]
    assert values == {(("channel", "line"),): 3.0, (("channel", "telegram"),): 0.0}
    queued["line"] = 0
    queued["telegram"] = 7
    values = (await scrape(client))["ginbot_outbox_queued"]
    assert values == {(("channel", "line"),): 0.0, (("channel", "telegram"),): 7.0}


async def test_a_failing_outbox_query_leaves_the_gauge_empty_but_metrics_answer(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> Mapping[str, int]:
        raise RuntimeError("database is down")

    metrics.set_outbox_depth_source(broken)
    with caplog.at_level(logging.WARNING, logger="ginbot.observability.metrics"):
        values = await scrape(client)
    assert "ginbot_outbox_queued" not in values
    assert "outbox depth query failed" in caplog.text


async def test_a_metrics_token_keeps_strangers_out(sqlite_db: Database) -> None:
    settings = load_settings({"GINBOT_RUN_SENDER": "false", "GINBOT_METRICS_TOKEN": "scrape-secret-1"})
    async with TestClient(TestServer(create_app(settings, db=sqlite_db, bot=EchoBot()))) as client:
        assert (await client.get("/metrics")).status == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status == 401
        ok = await client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-1"})
        assert ok.status == 200 and "ginbot_build_info" in await ok.text()
    metrics.set_outbox_depth_source(None)


async def test_metrics_can_move_off_the_public_port(sqlite_db: Database) -> None:
    import aiohttp

    from tests.observability.serving import free_port

    port = free_port()
    settings = load_settings({"GINBOT_RUN_SENDER": "false", "GINBOT_METRICS_ADDRESS": f"127.0.0.1:{port}"})
    async with TestClient(TestServer(create_app(settings, db=sqlite_db, bot=EchoBot()))) as client:
        assert (await client.get("/metrics")).status == 404  # not on the web port any more
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as resp:
            assert resp.status == 200 and "ginbot_build_info" in await resp.text()
    metrics.set_outbox_depth_source(None)
