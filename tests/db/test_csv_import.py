from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from ginbot.db import queries
from ginbot.db.csv_import import ImportFailed, import_file
from ginbot.db.models import Agency, ChatUser
from ginbot.db.session import Database

COHORTS = "cohort,migration_date,last_v8_date\n1,2020-07-01,2020-06-30\n2,2020-07-07,2020-07-06\n3,2020-07-15,2020-07-14\n"
HEADER = "id,name_th,abbr_th,name_en,abbr_en,ministry_th,cohort,aliases\n"
AGENCIES = HEADER + (
    "dga,สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน),สพร.,Digital Government Development Agency,DGA,สำนักนายกรัฐมนตรี,1,สพร\n"
    "rd,กรมสรรพากร,สรรพากร,The Revenue Department,RD,กระทรวงการคลัง,2,สรรพากร\n"
    'tmd,กรมอุตุนิยมวิทยา,อต.,Thai Meteorological Department,TMD,"กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม",3,กรมอุตุฯ|อุตุ\n'
)


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


async def load(db: Database, kind: str, path: Path):  # type: ignore[no-untyped-def]
    async with db.session() as s:
        return await import_file(s, kind, path)


async def count_agencies(db: Database) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(Agency)) or 0)


async def test_happy_path_and_idempotent_reimport(db: Database, tmp_path: Path) -> None:
    first = await load(db, "cohorts", write(tmp_path, "cohorts.csv", COHORTS))
    assert (first.created, first.updated) == (3, 0)
    summary = await load(db, "agencies", write(tmp_path, "agencies.csv", AGENCIES))
    assert summary.created == 3
    again = await load(db, "agencies", tmp_path / "agencies.csv")
    assert (again.created, again.updated, again.unchanged, again.removed) == (0, 0, 3, 0)
    async with db.session() as s:
        tmd = await s.get(Agency, "tmd")
        assert tmd is not None
        assert tmd.alias_list() == ["กรมอุตุฯ", "อุตุ"]
        assert tmd.ministry_th == "กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม"
        assert [c.number for c in await queries.cohorts(s)] == [1, 2, 3]


async def test_bundled_data_files_import(db: Database) -> None:
    root = Path(__file__).resolve().parents[2] / "data"
    await load(db, "cohorts", root / "cohorts.csv")
    await load(db, "agencies", root / "agencies.csv")
    async with db.session() as s:
        assert await queries.agency_counts_by_cohort(s) == {1: 14, 2: 82, 3: 67}
        rd = await s.get(Agency, "rd")
        assert rd is not None and rd.name_th == "กรมสรรพากร"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEADER + "rd,กรมสรรพากร,,,,,9,\n", "agencies.csv:2: column 7 (cohort): unknown cohort '9' (known: 1, 2, 3)"),
        (HEADER + "rd,,,,,,2,\n", "agencies.csv:2: column 2 (name_th): is required"),
        (HEADER + "rd,กรมสรรพากร,,,,,2,\nrd,กรมศุลกากร,,,,,2,\n", "agencies.csv:3: column 1 (id): duplicate id 'rd' (first on line 2)"),
        (HEADER + "RD 1,กรมสรรพากร,,,,,2,\n", "agencies.csv:2: column 1 (id): 'RD 1' must be lowercase"),
        ("id,name_th,cohort\nrd,กรมสรรพากร,2\n", "agencies.csv:1: column abbr_th: required column is missing"),
        (HEADER + "rd,กรมสรรพากร,,,,,2\n", "agencies.csv:2: has 7 fields, the header has 8"),
        ("", "agencies.csv:1: the file is empty"),
    ],
)
async def test_bad_agency_rows_are_named_and_nothing_changes(
    db: Database, tmp_path: Path, text: str, expected: str
) -> None:
    await load(db, "cohorts", write(tmp_path, "cohorts.csv", COHORTS))
    path = write(tmp_path, "agencies.csv", text)
    with pytest.raises(ImportFailed) as info:
        await load(db, "agencies", path)
    assert any(str(e).replace(str(tmp_path) + "/", "").startswith(expected) for e in info.value.errors), info.value
    assert await count_agencies(db) == 0


async def test_bad_rows_are_all_reported_and_good_rows_not_applied(db: Database, tmp_path: Path) -> None:
    await load(db, "cohorts", write(tmp_path, "cohorts.csv", COHORTS))
    text = AGENCIES + "x1,กรมหนึ่ง,,,,,7,\nx2,,,,,,2,\n"
    with pytest.raises(ImportFailed) as info:
        await load(db, "agencies", write(tmp_path, "agencies.csv", text))
    assert [e.line for e in info.value.errors] == [5, 6]
    assert await count_agencies(db) == 0


async def test_bad_utf8_names_its_line(db: Database, tmp_path: Path) -> None:
    await load(db, "cohorts", write(tmp_path, "cohorts.csv", COHORTS))
    data = AGENCIES.encode() + "x1,กรม".encode("cp874") + b",,,,,2,\n"
    with pytest.raises(ImportFailed) as info:
        await load(db, "agencies", write(tmp_path, "agencies.csv", data))
    (err,) = info.value.errors
    assert err.line == 5 and "not valid UTF-8" in err.message
    assert await count_agencies(db) == 0


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("4,2020-02-30,2020-02-01", "cohorts.csv:5: column 2 (migration_date): '2020-02-30' is not a date"),
        ("4,2020-08-01,1/8/2563", "cohorts.csv:5: column 3 (last_v8_date): '1/8/2563' is not a date"),
        ("2,2020-08-01,2020-07-31", "cohorts.csv:5: column 1 (cohort): cohort 2 is already on line 3"),
        ("4,2020-08-01,2020-08-01", "cohorts.csv:5: column 3 (last_v8_date): the last v8 day must be before"),
        ("สี่,2020-08-01,2020-07-31", "cohorts.csv:5: column 1 (cohort): 'สี่' is not a cohort number"),
    ],
)
async def test_bad_cohort_rows(db: Database, tmp_path: Path, row: str, expected: str) -> None:
    with pytest.raises(ImportFailed) as info:
        await load(db, "cohorts", write(tmp_path, "cohorts.csv", COHORTS + row + "\n"))
    assert any(str(e).replace(str(tmp_path) + "/", "").startswith(expected) for e in info.value.errors), info.value
    async with db.session() as s:
        assert list(await queries.cohorts(s)) == []


async def test_changed_file_updates_in_place_and_keeps_subscribers(db: Database, tmp_path: Path) -> None:
    await load(db, "cohorts", write(tmp_path, "cohorts.csv", COHORTS))
    await load(db, "agencies", write(tmp_path, "agencies.csv", AGENCIES))
    async with db.session() as s:
        user = await queries.get_or_create_user(s, "line", "U123")
        user.agency_id, user.subscribed = "rd", True
    moved = AGENCIES.replace("กระทรวงการคลัง,2,สรรพากร", "กระทรวงการคลัง,3,สรรพากร|กรมสรรพากรฯ")
    summary = await load(db, "agencies", write(tmp_path, "agencies.csv", moved))
    assert (summary.updated, summary.unchanged) == (1, 2)
    async with db.session() as s:
        user2 = await queries.find_user(s, "line", "U123")
        assert user2 is not None and user2.agency_id == "rd" and user2.subscribed
        rd = await s.get(Agency, "rd")
        assert rd is not None and rd.cohort == 3 and "กรมสรรพากรฯ" in rd.alias_list()


async def test_removing_a_chosen_agency_is_refused(db: Database, tmp_path: Path) -> None:
    await load(db, "cohorts", write(tmp_path, "cohorts.csv", COHORTS))
    await load(db, "agencies", write(tmp_path, "agencies.csv", AGENCIES))
    async with db.session() as s:
        (await queries.get_or_create_user(s, "telegram", "42")).agency_id = "rd"
    without_rd = "\n".join(line for line in AGENCIES.splitlines() if not line.startswith("rd,")) + "\n"
    with pytest.raises(ImportFailed, match="agency 'rd' is missing from the file but 1 users chose it"):
        await load(db, "agencies", write(tmp_path, "agencies.csv", without_rd))
    assert await count_agencies(db) == 3
    # An agency nobody chose may go.
    without_tmd = "\n".join(line for line in AGENCIES.splitlines() if not line.startswith("tmd,")) + "\n"
    summary = await load(db, "agencies", write(tmp_path, "agencies.csv", without_tmd))
    assert summary.removed_ids == ["tmd"]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ChatUser)) == 1
