"""The maintainers' conversation tests: multi-turn dialogues in YAML with the answer snippets expected,
run against the real bot (NLU, answers, database), like Rasa's test stories.

Format (``intents/conversations/*.yml``; see the README there)::

    dialogues:
      - name: a follow-up keeps the agency just asked about
        today: 2020-07-03            # pinned date, so dated answers do not drift
        turns:
          - user: กรมสรรพากรย้ายวันไหน
            expect: ["กรมสรรพากร", "7 กรกฎาคม 2563"]   # every snippet must be in the replies
            intent: migration_date                       # optional: what the turn was answered as
            topic: share_screen                          # optional: the knowledge topic that answered
          - user: แล้ว v8 ใช้ได้ถึงวันไหน
            expect: "6 กรกฎาคม 2563"
            reject: ["หน่วยงานของท่านคือหน่วยงานใด"]     # optional: must not appear
            buttons: ["👍 ตรงคำถาม"]                     # optional: quick-reply labels shown
          - after_minutes: 11            # optional: time passes before this turn
            user: ...

A turn may be ``event: follow`` instead of ``user:`` (the person adds the bot). Each dialogue is a new
person. ``ginbot test-conversations [PATH ...]`` and ``tests/conversations/`` run them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml

from ginbot.core.clock import Clock
from ginbot.core.dialogue import Bot
from ginbot.core.messages import Channel, IncomingMessage, Kind, Reply
from ginbot.core.turn import Outcome
from ginbot.core.understanding import Understood
from ginbot.errors import DataFileError
from ginbot.settings import Settings

# Time that passes between two turns of a dialogue unless it says otherwise: a person reading and typing.
TURN_GAP = timedelta(seconds=20)
START_TIME = time(10, 0)
EVENTS = {"follow": Kind.FOLLOW, "unfollow": Kind.UNFOLLOW}
TURN_KEYS = {"user", "event", "expect", "reject", "buttons", "intent", "topic", "after_minutes"}


class DialogueFileError(DataFileError):
    """A conversation file is unusable; the message names the file, the dialogue and the turn."""


@dataclass(frozen=True)
class Step:
    number: int
    text: str
    kind: Kind = Kind.TEXT
    expect: tuple[str, ...] = ()
    reject: tuple[str, ...] = ()
    buttons: tuple[str, ...] = ()
    intent: str | None = None
    topic: str | None = None
    after: timedelta = timedelta(0)


@dataclass(frozen=True)
class Dialogue:
    name: str
    path: Path
    today: date
    steps: tuple[Step, ...]
    channel: str = Channel.LINE

    @property
    def label(self) -> str:
        return f"{self.path.name}: {self.name}"


@dataclass(frozen=True)
class Failure:
    step: Step
    problems: tuple[str, ...]
    actual: str
    buttons: tuple[str, ...]
    intent: str | None
    topic: str | None = None


@dataclass(frozen=True)
class DialogueResult:
    dialogue: Dialogue
    failure: Failure | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None

    def report(self) -> str:
        """One line when it passed; the dialogue, the turn, expected and actual text when not."""
        if self.failure is None:
            return f"PASS  {self.dialogue.label}"
        f, d = self.failure, self.dialogue
        said = f.step.text if f.step.kind == Kind.TEXT else f"({f.step.kind.value})"
        lines = [f"FAIL  {d.label}", f"  turn {f.step.number}: {said}"]
        lines += [f"  - {p}" for p in f.problems]
        lines.append(f"  answered as: {f.intent}" + (f" (topic {f.topic})" if f.topic else ""))
        lines.append("  actual reply:")
        lines += [f"    | {line}" for line in (f.actual or "(no reply)").splitlines()]
        if f.buttons:
            lines.append("    buttons: " + " | ".join(f"[{b}]" for b in f.buttons))
        return "\n".join(lines)


class ScriptedClock(Clock):
    """The dialogue's pinned day, with time that moves only when the dialogue says so."""

    _now: datetime

    def __init__(self, today: date) -> None:
        super().__init__(pinned_today=today)
        object.__setattr__(self, "_now", datetime.combine(today, START_TIME, tzinfo=self.tz))

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.date()

    def advance(self, by: timedelta) -> None:
        object.__setattr__(self, "_now", self._now + by)


def _texts(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DialogueFileError(f"{where}: expected text or a list of texts, got {value!r}")


def _step(raw: Any, number: int, where: str) -> Step:
    where = f"{where}, turn {number}"
    if not isinstance(raw, dict):
        raise DialogueFileError(f"{where}: expected a mapping with 'user' and 'expect'")
    unknown = set(raw) - TURN_KEYS
    if unknown:
        raise DialogueFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(TURN_KEYS))}")
    text, event = raw.get("user"), raw.get("event")
    if (text is None) == (event is None):
        raise DialogueFileError(f"{where}: needs exactly one of 'user' (text) or 'event' (follow/unfollow)")
    if event is not None and event not in EVENTS:
        raise DialogueFileError(f"{where}: event must be one of {', '.join(EVENTS)}")
    if text is not None and not isinstance(text, str | int | float):
        raise DialogueFileError(f"{where}: 'user' must be text")
    minutes = raw.get("after_minutes", 0)
    if not isinstance(minutes, int | float) or minutes < 0:
        raise DialogueFileError(f"{where}: 'after_minutes' must be a number of minutes")
    intent, topic = raw.get("intent"), raw.get("topic")
    if intent is not None and not isinstance(intent, str):
        raise DialogueFileError(f"{where}: 'intent' must be an intent id")
    if topic is not None and not isinstance(topic, str):
        raise DialogueFileError(f"{where}: 'topic' must be a knowledge topic id")
    return Step(
        number=number,
        text=str(text) if text is not None else "",
        kind=EVENTS[event] if event is not None else Kind.TEXT,
        expect=_texts(raw.get("expect"), where),
        reject=_texts(raw.get("reject"), where),
        buttons=_texts(raw.get("buttons"), where),
        intent=intent,
        topic=topic,
        after=timedelta(minutes=float(minutes)),
    )


def load_file(path: Path) -> list[Dialogue]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DialogueFileError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("dialogues"), list):
        raise DialogueFileError(f"{path}: expected a mapping with a 'dialogues' list")
    dialogues = []
    for index, raw in enumerate(data["dialogues"], start=1):
        where = f"{path}: dialogue {index}"
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise DialogueFileError(f"{where}: needs a 'name'")
        where = f"{path}: dialogue {index} ({raw['name']})"
        today = raw.get("today")
        if not isinstance(today, date):
            raise DialogueFileError(f"{where}: needs 'today: YYYY-MM-DD' (answers depend on the date)")
        turns = raw.get("turns")
        if not isinstance(turns, list) or not turns:
            raise DialogueFileError(f"{where}: needs a non-empty 'turns' list")
        channel = str(raw.get("channel", Channel.LINE))
        steps = tuple(_step(t, n, where) for n, t in enumerate(turns, start=1))
        dialogues.append(Dialogue(raw["name"], path, today, steps, channel))
    names = [d.name for d in dialogues]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise DialogueFileError(f"{path}: dialogue names must be unique, repeated: {', '.join(twice)}")
    return dialogues


def load(paths: Iterable[Path]) -> list[Dialogue]:
    """Dialogues from files and folders (every ``*.yml`` in a folder), in file order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.yml")))
        elif path.is_file():
            files.append(path)
        else:
            raise DialogueFileError(f"{path}: no such file or folder")
    if not files:
        raise DialogueFileError(f"{', '.join(str(p) for p in paths)}: no conversation files (*.yml)")
    return [d for f in files for d in load_file(f)]


@dataclass
class _LastOutcome:
    outcome: Outcome | None = None
    user: str = ""

    def __call__(self, message: IncomingMessage, understood: Understood | None, outcome: Outcome, _s: float) -> None:
        if message.user_id == self.user:
            self.outcome = outcome


def _check(step: Step, replies: Sequence[Reply], intent: str | None, topic: str | None) -> Failure | None:
    # The plain form every channel can show (link and phone buttons spelled out), and every button's label.
    actual = "\n".join(r.plain() for r in replies)
    buttons = tuple(q.label for r in replies for q in r.quick_replies) + tuple(b.label for r in replies for b in r.actions)
    problems = [f"expected: {s!r}" for s in step.expect if s not in actual]
    problems += [f"must not say: {s!r}" for s in step.reject if s in actual]
    problems += [f"expected button: [{b}]" for b in step.buttons if b not in buttons]
    if step.intent is not None and intent != step.intent:
        problems.append(f"expected to be answered as {step.intent}, was {intent}")
    if step.topic is not None and topic != step.topic:
        problems.append(f"expected the knowledge topic {step.topic}, was {topic}")
    return Failure(step, tuple(problems), actual, buttons, intent, topic) if problems else None


async def run_dialogue(bot: Bot, dialogue: Dialogue, user_id: str) -> DialogueResult:
    """Play one dialogue as a new person ``user_id``; stops at the first turn that is not as expected."""
    clock = ScriptedClock(dialogue.today)
    saved_clock = bot.clock
    watch = _LastOutcome(user=user_id)
    bot.clock = clock
    bot.observers.append(watch)
    try:
        for step in dialogue.steps:
            clock.advance(step.after + TURN_GAP)
            watch.outcome = None
            replies = await bot.handle(IncomingMessage(dialogue.channel, user_id, step.text, kind=step.kind))
            outcome = watch.outcome
            intent = outcome.intent if outcome is not None else None
            topic = outcome.topic if outcome is not None else None
            failure = _check(step, replies, intent, topic)
            if failure is not None:
                return DialogueResult(dialogue, failure)
    finally:
        bot.observers.remove(watch)
        bot.clock = saved_clock
    return DialogueResult(dialogue)


@dataclass
class Summary:
    results: list[DialogueResult] = field(default_factory=list)

    @property
    def failed(self) -> list[DialogueResult]:
        return [r for r in self.results if not r.passed]

    def line(self) -> str:
        total, bad = len(self.results), len(self.failed)
        return f"{total - bad}/{total} dialogues passed" + (f", {bad} failed" if bad else "")


async def run_all(bot: Bot, dialogues: Sequence[Dialogue], *, user_prefix: str = "conversation-test") -> Summary:
    summary = Summary()
    for number, dialogue in enumerate(dialogues, start=1):
        summary.results.append(await run_dialogue(bot, dialogue, f"{user_prefix}-{number}"))
    return summary


async def main(settings: Settings, paths: Sequence[Path], *, verbose: bool = True) -> int:
    """``ginbot test-conversations``: every dialogue against a fresh database seeded from the data folder
    (never the configured one: test people must not land in production), the bundled NLU and answers.

    Prints PASS/FAIL per dialogue and a summary; returns 1 when any failed."""
    import tempfile

    from ginbot.db.csv_import import import_file
    from ginbot.db.migrate import upgrade
    from ginbot.db.session import Database
    from ginbot.wiring import build_bot

    dialogues = load(paths or [settings.intents_dir / "conversations"])
    with tempfile.TemporaryDirectory(prefix="ginbot-conversations-") as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'conversations.db'}")
        try:
            await upgrade(db)
            for kind in ("cohorts", "agencies"):
                async with db.session() as session:
                    await import_file(session, kind, settings.data_dir / f"{kind}.csv")
            bot = await build_bot(settings, db)
            bot.observers.clear()  # no metrics from test people
            summary = await run_all(bot, dialogues)
        finally:
            await db.close()
    for result in summary.results:
        if verbose or not result.passed:
            print(result.report())
    print(summary.line())
    return 1 if summary.failed else 0
