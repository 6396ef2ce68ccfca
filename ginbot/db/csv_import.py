"""Validate and import the campaign's CSV files (cohorts, agencies) all-or-nothing.

Parsing is pure: ``parse_cohorts`` / ``parse_agencies`` turn bytes into rows plus a list of every error
(file, line, column), so a staff member fixes a file in one pass instead of one error per attempt.
``import_*`` apply the rows in the caller's single transaction, updating in place by id.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db.models import Agency, ChatUser, Cohort

COHORT_COLUMNS = ("cohort", "migration_date", "last_v8_date")
AGENCY_COLUMNS = ("id", "name_th", "abbr_th", "name_en", "abbr_en", "ministry_th", "cohort", "aliases")
AGENCY_REQUIRED = ("id", "name_th", "cohort")
AGENCY_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class CsvError:
    """One problem, in English for the command line (``str``) and in Thai for staff (``thai()``)."""

    file: str
    line: int
    column: str | None
    message: str
    message_th: str = ""

    def __str__(self) -> str:
        # Line 0 marks a problem with the file as a whole (e.g. a row that must not be dropped).
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.column:
            where += f": column {self.column}"
        return f"{where}: {self.message}"

    def thai(self) -> str:
        where = f"{self.file} บรรทัดที่ {self.line}" if self.line else self.file
        if self.column:
            where += f" คอลัมน์ {self.column}"
        return f"{where}: {self.message_th or self.message}"


class ImportFailed(Exception):
    def __init__(self, errors: Sequence[CsvError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = list(errors)


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    removed_ids: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, removed {self.removed}"
        )


@dataclass(frozen=True)
class CohortRow:
    number: int
    migration_date: date
    last_v8_date: date


@dataclass(frozen=True)
class AgencyRow:
    id: str
    name_th: str
    abbr_th: str
    name_en: str
    abbr_en: str
    ministry_th: str
    cohort: int
    aliases: str


# Thai Excel's plain "CSV" is Windows-874 (TIS-620 plus a few symbols), not UTF-8.
THAI_WINDOWS_ENCODING = "cp874"
SAVE_AS_UTF8_TH = 'ใน Excel เลือก "บันทึกเป็น" แล้วเลือกชนิดไฟล์ "CSV UTF-8 (Comma delimited)" แล้วนำเข้าอีกครั้ง'


# Thai vowel and tone marks written above or below a consonant: never after a non-Thai character.
_THAI_MARKS = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e")


def _plausible_thai(text: str) -> bool:
    """Real Thai, not another 8-bit encoding read as Windows-874 ("Café" would read as "Caf้")."""
    if not any("\u0e01" <= ch <= "\u0e2e" for ch in text):  # no Thai consonant at all
        return False
    return not any(ch in _THAI_MARKS and not "\u0e01" <= prev <= "\u0e5b" for prev, ch in zip(" " + text, text, strict=False))


def _decode(data: bytes, name: str) -> tuple[str | None, list[CsvError]]:
    """UTF-8 (with or without Excel's BOM), or a file Thai Excel saved as Windows-874, read as such."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        try:
            text = data.decode(THAI_WINDOWS_ENCODING)
        except UnicodeDecodeError:
            text = ""
        if _plausible_thai(text):  # it was Thai Excel's encoding
            return text, []
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [CsvError(
            name, line, None, f"not valid UTF-8 (byte {col} of the line); save the file as UTF-8",
            f"อ่านไฟล์ไม่ได้ (ไบต์ที่ {col} ของบรรทัด) ไฟล์ต้องเป็น UTF-8: {SAVE_AS_UTF8_TH}",
        )]  # fmt: skip


def _rows(text: str, name: str, columns: Sequence[str]) -> tuple[list[tuple[int, dict[str, str]]], list[CsvError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return [], [CsvError(
            name, 1, None, "the file is empty; expected a header: " + ",".join(columns),
            "ไฟล์ว่างเปล่า บรรทัดแรกต้องเป็นหัวตาราง: " + ",".join(columns),
        )]  # fmt: skip
    errors = [CsvError(name, 1, c, "required column is missing", "ไม่มีคอลัมน์นี้ในหัวตาราง") for c in columns if c not in header]
    if errors:
        return [], errors
    rows = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            errors.append(CsvError(
                name, line, None, f"has {len(values)} fields, the header has {len(header)}",
                f"มี {len(values)} ช่อง แต่หัวตารางมี {len(header)} ช่อง (ตรวจเครื่องหมายจุลภาคในข้อความ)",
            ))  # fmt: skip
            continue
        rows.append((line, {h: v.strip() for h, v in zip(header, values, strict=True)}))
    return rows, errors


def _col(columns: Sequence[str], name: str) -> str:
    return f"{columns.index(name) + 1} ({name})"


def _parse_date(value: str, name: str, line: int, column: str, errors: list[CsvError]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(CsvError(
            name, line, column, f"'{value}' is not a date in YYYY-MM-DD form (Common Era)",
            f"'{value}' ไม่ใช่วันที่แบบ ปปปป-ดด-วว ในปีคริสต์ศักราช (เช่น 2020-07-06 คือ 6 กรกฎาคม 2563)",
        ))  # fmt: skip
        return None


def parse_cohorts(data: bytes, name: str = "cohorts.csv") -> tuple[list[CohortRow], list[CsvError]]:
    text, errors = _decode(data, name)
    if text is None:
        return [], errors
    raw, errors = _rows(text, name, COHORT_COLUMNS)
    rows: list[CohortRow] = []
    seen: dict[int, int] = {}
    for line, r in raw:
        before = len(errors)
        number = None
        if not r["cohort"].isdigit() or int(r["cohort"]) < 1:
            errors.append(CsvError(name, line, _col(COHORT_COLUMNS, "cohort"), f"'{r['cohort']}' is not a cohort number (1, 2, 3 …)",
                                   f"'{r['cohort']}' ไม่ใช่หมายเลขกลุ่ม (1, 2, 3 …)"))
        else:
            number = int(r["cohort"])
            if number in seen:
                errors.append(CsvError(name, line, _col(COHORT_COLUMNS, "cohort"), f"cohort {number} is already on line {seen[number]}",
                                       f"กลุ่มที่ {number} มีอยู่แล้วที่บรรทัดที่ {seen[number]}"))
            seen.setdefault(number, line)
        migration = _parse_date(r["migration_date"], name, line, _col(COHORT_COLUMNS, "migration_date"), errors)
        last_v8 = _parse_date(r["last_v8_date"], name, line, _col(COHORT_COLUMNS, "last_v8_date"), errors)
        if migration and last_v8 and last_v8 >= migration:
            errors.append(CsvError(name, line, _col(COHORT_COLUMNS, "last_v8_date"), "the last v8 day must be before the migration date",
                                   "วันสุดท้ายที่ใช้ v8 ต้องอยู่ก่อนวันย้ายไป v9"))
        if len(errors) == before and number is not None and migration and last_v8:
            rows.append(CohortRow(number, migration, last_v8))
    return rows, errors


def parse_agencies(
    data: bytes, known_cohorts: set[int], name: str = "agencies.csv"
) -> tuple[list[AgencyRow], list[CsvError]]:
    text, errors = _decode(data, name)
    if text is None:
        return [], errors
    raw, errors = _rows(text, name, AGENCY_COLUMNS)
    rows: list[AgencyRow] = []
    seen_ids: dict[str, int] = {}
    for line, r in raw:
        before = len(errors)
        for col in AGENCY_REQUIRED:
            if not r[col]:
                errors.append(CsvError(name, line, _col(AGENCY_COLUMNS, col), "is required", "ต้องกรอกช่องนี้"))
        agency_id = r["id"]
        if agency_id and not AGENCY_ID_RE.match(agency_id):
            errors.append(CsvError(name, line, _col(AGENCY_COLUMNS, "id"), f"'{agency_id}' must be lowercase a-z, 0-9, '-' or '_'",
                                   f"รหัส '{agency_id}' ใช้ได้เฉพาะ a-z ตัวเล็ก 0-9 '-' หรือ '_'"))
        if agency_id in seen_ids:
            errors.append(CsvError(name, line, _col(AGENCY_COLUMNS, "id"), f"duplicate id '{agency_id}' (first on line {seen_ids[agency_id]})",
                                   f"รหัส '{agency_id}' ซ้ำ (มีแล้วที่บรรทัดที่ {seen_ids[agency_id]})"))
        seen_ids.setdefault(agency_id, line)
        cohort = r["cohort"]
        if cohort and not (cohort.isdigit() and int(cohort) in known_cohorts):
            known = ", ".join(str(c) for c in sorted(known_cohorts)) or "none: import cohorts first"
            errors.append(CsvError(name, line, _col(AGENCY_COLUMNS, "cohort"), f"unknown cohort '{cohort}' (known: {known})",
                                   f"ไม่มีกลุ่ม '{cohort}' (กลุ่มที่มี: {known})"))
        if len(errors) == before:
            aliases = "|".join(a.strip() for a in r["aliases"].split("|") if a.strip())
            rows.append(AgencyRow(agency_id, r["name_th"], r["abbr_th"], r["name_en"], r["abbr_en"], r["ministry_th"], int(cohort), aliases))
    return rows, errors


async def import_cohorts(session: AsyncSession, rows: Sequence[CohortRow], name: str = "cohorts.csv") -> ImportSummary:
    summary = ImportSummary()
    existing = {c.number: c for c in (await session.scalars(select(Cohort))).all()}
    wanted = {r.number for r in rows}
    for r in rows:
        cohort = existing.get(r.number)
        if cohort is None:
            session.add(Cohort(number=r.number, migration_date=r.migration_date, last_v8_date=r.last_v8_date))
            summary.created += 1
        elif (cohort.migration_date, cohort.last_v8_date) != (r.migration_date, r.last_v8_date):
            cohort.migration_date, cohort.last_v8_date = r.migration_date, r.last_v8_date
            summary.updated += 1
        else:
            summary.unchanged += 1
    missing = sorted(set(existing) - wanted)
    if missing:
        used = (await session.execute(select(Agency.cohort, func.count()).where(Agency.cohort.in_(missing)).group_by(Agency.cohort))).all()
        if used:
            errs = [CsvError(name, 0, None, f"cohort {c} is missing from the file but {n} agencies are in it; move them first",
                             f"ไฟล์ไม่มีกลุ่มที่ {c} แต่ยังมี {n} หน่วยงานอยู่ในกลุ่มนี้ ย้ายหน่วยงานเหล่านั้นไปกลุ่มอื่นก่อน") for c, n in used]
            raise ImportFailed(errs)
        for number in missing:
            await session.delete(existing[number])
            summary.removed += 1
    await session.flush()
    return summary


async def import_agencies(session: AsyncSession, rows: Sequence[AgencyRow], name: str = "agencies.csv") -> ImportSummary:
    """Upsert by id. Agencies missing from the file are removed, unless a user chose one: then the whole
    import fails, because silently unlinking subscribers would stop their cutoff reminders."""
    summary = ImportSummary()
    existing = {a.id: a for a in (await session.scalars(select(Agency))).all()}
    fields = ("name_th", "abbr_th", "name_en", "abbr_en", "ministry_th", "cohort", "aliases")
    for r in rows:
        agency = existing.get(r.id)
        if agency is None:
            session.add(Agency(id=r.id, **{f: getattr(r, f) for f in fields}))
            summary.created += 1
            continue
        changed = [f for f in fields if getattr(agency, f) != getattr(r, f)]
        for f in changed:
            setattr(agency, f, getattr(r, f))
        if changed:
            summary.updated += 1
        else:
            summary.unchanged += 1
    missing = sorted(set(existing) - {r.id for r in rows})
    if missing:
        linked = (await session.execute(
            select(ChatUser.agency_id, func.count()).where(ChatUser.agency_id.in_(missing)).group_by(ChatUser.agency_id)
        )).all()
        if linked:
            raise ImportFailed([
                CsvError(name, 0, None, f"agency '{a}' is missing from the file but {n} users chose it; keep its row (any cohort) or ask them to choose again",
                         f"ไฟล์ไม่มีหน่วยงาน '{a}' แต่มีผู้ใช้ {n} คนเลือกหน่วยงานนี้ไว้ คงแถวนี้ไว้ (กลุ่มใดก็ได้) หรือให้ผู้ใช้เลือกหน่วยงานใหม่ก่อน")
                for a, n in linked
            ])
        for agency_id in missing:
            await session.delete(existing[agency_id])
        summary.removed, summary.removed_ids = len(missing), missing
    await session.flush()
    return summary


async def import_file(session: AsyncSession, kind: str, path: Path) -> ImportSummary:
    """Validate ``path`` fully, then apply it; raises ImportFailed listing every problem."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed([CsvError(name, 0, None, f"cannot read the file: {exc.strerror}", f"เปิดไฟล์ไม่ได้: {exc.strerror}")]) from None
    if kind == "cohorts":
        cohort_rows, errors = parse_cohorts(data, name)
        if errors:
            raise ImportFailed(errors)
        return await import_cohorts(session, cohort_rows, name)
    if kind == "agencies":
        known = set((await session.scalars(select(Cohort.number))).all())
        agency_rows, errors = parse_agencies(data, known, name)
        if errors:
            raise ImportFailed(errors)
        return await import_agencies(session, agency_rows, name)
    raise ValueError(f"unknown import kind {kind!r}: expected 'agencies' or 'cohorts'")
