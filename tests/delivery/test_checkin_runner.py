"""Check-ins as `ginbot serve` and `ginbot worker` plan them: data/checkins.yml and the question in
answers.yml are read by the runner; a staff edit applies at the next pass, a broken file keeps the last good
policy, a missing one turns check-ins off."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from ginbot.db.models import Broadcast
from ginbot.db.session import Database
from ginbot.delivery.runner import DeliveryRunner
from ginbot.settings import load_settings
from tests.conftest import ROOT
from tests.delivery.conftest import Person, add_people, line_id, seed_campaign

NOW = datetime(2020, 7, 1, 2, 30, tzinfo=UTC)  # 09:30 Bangkok on cohort 1's migration day


async def keys(db: Database) -> list[str]:
    async with db.session() as session:
        found = await session.scalars(select(Broadcast.dedupe_key).where(Broadcast.kind == "checkin"))
        return sorted(k or "" for k in found.all())


async def test_the_runner_reads_the_policy_and_follows_edits(sqlite_db: Database, tmp_path: Path) -> None:
    await seed_campaign(sqlite_db)
    await add_people(sqlite_db, [Person("line", line_id(1), "tmd")])
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("external"))
    settings = load_settings({"GINBOT_DATA_DIR": str(data), "GINBOT_REMINDERS_FILE": str(tmp_path / "none.yml")})
    runner = DeliveryRunner(settings, sqlite_db, now=lambda: NOW)

    policy = data / "checkins.yml"
    policy.write_text(policy.read_text(encoding="utf-8").replace('send_time: "09:00"', 'send_time: "10:00"'))
    await runner.plan_once()
    assert await keys(sqlite_db) == []  # 10:00 has not come yet at 09:30

    policy.write_text(policy.read_text(encoding="utf-8").replace('send_time: "10:00"', 'send_time: "09:00"'))
    await runner.plan_once()
    assert await keys(sqlite_db) == ["checkin:day0:1:2020-07-01"]

    policy.write_text("rounds: [oops", encoding="utf-8")  # a typo: the last good policy stays
    await runner.plan_once()
    assert runner._checkins is not None and runner._checkins[0].rounds[0].id == "day0"

    policy.unlink()
    await runner.plan_once()
    assert runner._checkins is None
