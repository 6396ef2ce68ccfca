"""Load and validate the knowledge topics (``data/knowledge/*.yml``): one topic per file, written by staff.

Every problem is reported with the file, the line and what is wrong (a ``DataFileError``, so the CLI prints it
as one line and ``ginbot serve`` refuses to start), and nothing half-loaded is ever returned. The format is
documented in ``data/knowledge/README.md``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ginbot.errors import DataFileError
from ginbot.yamlfiles import strict_loader

KNOWLEDGE_DIR = "knowledge"  # under data/
HELDOUT_FILE = "heldout.yml"  # in data/knowledge/: the exam, never a topic
# A title becomes a button label: LINE cuts quick-reply labels at 20 characters.
MAX_TITLE_CHARS = 20
# Fewer phrasings than this and retrieval has too little to go on; staff-created topics (admin page) start
# with one question group and are exempt.
MIN_QUESTIONS = 8
# Phone-sized: about one screen of a LINE chat. Longer belongs in a linked page.
MAX_ANSWER_CHARS = 1000
MAX_LINKS = 3
_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_URL = re.compile(r"^https?://\S+$")
_TOP_KEYS = frozenset({"id", "title", "questions", "answer", "links", "en"})
_EN_KEYS = frozenset({"title", "questions", "answer"})


class KnowledgeDataError(DataFileError):
    """A knowledge topic file is unusable; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class English:
    title: str
    questions: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    questions: tuple[str, ...]
    answer: str
    links: tuple[Link, ...] = ()
    en: English | None = None
    source: str = ""  # the file it came from, or "database" for staff-created topics

    def phrasings(self) -> tuple[str, ...]:
        """Every question text that should find this topic (Thai first, then the English ones)."""
        return self.questions + (self.en.questions if self.en else ())


@dataclass(frozen=True)
class TopicMatch:
    """A topic that retrieval found for a message (retrieval.py)."""

    id: str
    title: str
    score: float  # 0..1: cosine similarity of the closest phrasing


@dataclass(frozen=True)
class TopicSet:
    """All topics, in a stable order, with fast look-up by id."""

    topics: tuple[Topic, ...]
    by_id: dict[str, Topic] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {t.id: t for t in self.topics})

    def __len__(self) -> int:
        return len(self.topics)

    def get(self, topic_id: str) -> Topic | None:
        return self.by_id.get(topic_id)


def same_text_key(text: str) -> str:
    # As for intents: spacing and Unicode form do not make a new phrasing.
    return "".join(unicodedata.normalize("NFC", text).split()).lower()


_LineLoader = strict_loader(KnowledgeDataError)


def _lines(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """1-based line of every value in a composed YAML tree, by path (("questions", 3), ("en", "title")).

    A mapping value is placed on its key's line (where staff look), a list item on its own line."""
    found = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            found.update(_lines(value, (*path, key_node.value)))
            found[(*path, key_node.value)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found.update(_lines(item, (*path, index)))
    return found


class _Checker:
    def __init__(self, path: Path, lines: dict[tuple[Any, ...], int]) -> None:
        self.path, self.lines = path, lines

    def fail(self, where: tuple[Any, ...], problem: str) -> KnowledgeDataError:
        line = next((self.lines[where[:n]] for n in range(len(where), -1, -1) if where[:n] in self.lines), 1)
        return KnowledgeDataError(f"{self.path}:{line}: {problem}")

    def text(self, data: dict[str, Any], key: str, where: tuple[Any, ...], *, max_chars: int | None = None) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail((*where, key), f"'{key}' must be non-empty text")
        value = value.strip()
        if max_chars is not None and len(value) > max_chars:
            raise self.fail((*where, key), f"'{key}' is {len(value)} characters; at most {max_chars}")
        return value

    def questions(self, data: dict[str, Any], where: tuple[Any, ...], minimum: int) -> tuple[str, ...]:
        raw = data.get("questions")
        if not isinstance(raw, list) or len(raw) < minimum:
            count = len(raw) if isinstance(raw, list) else 0
            raise self.fail((*where, "questions"), f"'questions' needs at least {minimum} phrasings (has {count})")
        seen: dict[str, int] = {}
        result: list[str] = []
        for index, item in enumerate(raw):
            if not isinstance(item, str) or not item.strip():
                raise self.fail((*where, "questions", index), f"question {index + 1} ({item!r}) is not text; quote it")
            key = same_text_key(item)
            if key in seen:
                raise self.fail(
                    (*where, "questions", index), f"question {index + 1} {item!r} repeats question {seen[key] + 1}"
                )
            seen[key] = index
            result.append(item.strip())
        return tuple(result)

    def links(self, data: dict[str, Any]) -> tuple[Link, ...]:
        raw = data.get("links") or []
        if not isinstance(raw, list) or len(raw) > MAX_LINKS:
            raise self.fail(("links",), f"'links' must be a list of at most {MAX_LINKS} {{label, url}}")
        links: list[Link] = []
        for index, item in enumerate(raw):
            if not isinstance(item, dict) or set(item) != {"label", "url"}:
                raise self.fail(("links", index), f"link {index + 1} needs exactly 'label' and 'url'")
            label = self.text(item, "label", ("links", index), max_chars=MAX_TITLE_CHARS)
            url = self.text(item, "url", ("links", index))
            if not _URL.match(url):
                raise self.fail(("links", index, "url"), f"link {index + 1}: {url!r} is not an http(s) address")
            links.append(Link(label, url))
        return tuple(links)

    def english(self, data: dict[str, Any]) -> English | None:
        raw = data.get("en")
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise self.fail(("en",), "'en' must be a mapping with 'title', 'questions' and 'answer'")
        unknown = sorted(set(raw) - _EN_KEYS)
        if unknown:
            raise self.fail(("en", unknown[0]), f"unknown key 'en.{unknown[0]}'; allowed: {', '.join(sorted(_EN_KEYS))}")
        return English(
            title=self.text(raw, "title", ("en",), max_chars=MAX_TITLE_CHARS),
            questions=self.questions(raw, ("en",), 1),
            answer=self.text(raw, "answer", ("en",), max_chars=MAX_ANSWER_CHARS),
        )


def parse_topic(text: str, path: Path) -> Topic:
    """Validate one topic file's text (``path`` is only used in messages)."""
    try:
        node = yaml.compose(text, Loader=_LineLoader)
        data = yaml.load(text, Loader=_LineLoader)
    except KnowledgeDataError as exc:
        raise KnowledgeDataError(f"{path}:{str(exc).removeprefix('line ')}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise KnowledgeDataError(f"{path}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict) or node is None:
        raise KnowledgeDataError(f"{path}:1: expected a mapping with 'id', 'title', 'questions' and 'answer'")
    check = _Checker(path, _lines(node))
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise check.fail((unknown[0],), f"unknown key '{unknown[0]}'; allowed: {', '.join(sorted(_TOP_KEYS))}")
    topic_id = data.get("id")
    if not isinstance(topic_id, str) or not _ID.match(topic_id):
        raise check.fail(("id",), f"'id' must be lower_snake_case (a-z, 0-9, _), got {topic_id!r}")
    return Topic(
        id=topic_id,
        title=check.text(data, "title", (), max_chars=MAX_TITLE_CHARS),
        questions=check.questions(data, (), MIN_QUESTIONS),
        answer=check.text(data, "answer", (), max_chars=MAX_ANSWER_CHARS),
        links=check.links(data),
        en=check.english(data),
        source=str(path),
    )


def load_topic_file(path: Path) -> Topic:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeDataError(f"{path}: cannot read: {exc}") from exc
    return parse_topic(text, Path(path))


def topic_files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.yml") if p.name != HELDOUT_FILE)


def check_unique(topics: Sequence[Topic]) -> None:
    """No id twice, and no phrasing under two topics (retrieval could not tell them apart)."""
    ids: dict[str, str] = {}
    owners: dict[str, Topic] = {}
    for topic in topics:
        if topic.id in ids:
            raise KnowledgeDataError(f"{topic.source}: topic id {topic.id!r} is also used by {ids[topic.id]}")
        ids[topic.id] = topic.source
        for question in topic.phrasings():
            key = same_text_key(question)
            other = owners.setdefault(key, topic)
            if other is not topic:
                raise KnowledgeDataError(
                    f"{topic.source}: question {question!r} is also a question of {other.id!r} ({other.source})"
                )


def load_topics(directory: Path) -> TopicSet:
    """Every topic in ``directory`` (``data/knowledge/``). A missing folder means no topics, not an error:
    a deployment may run with scripted intents only."""
    directory = Path(directory)
    if not directory.is_dir():
        return TopicSet(())
    topics = [load_topic_file(p) for p in topic_files(directory)]
    check_unique(topics)
    return TopicSet(tuple(topics))


def merge(base: TopicSet, extra_topics: Iterable[Topic] = (), extra_questions: Iterable[tuple[str, str]] = ()) -> TopicSet:
    """Files plus what staff added on the admin page: new topics, and (topic id, question) phrasings.

    A stored phrasing for a topic that no longer exists is skipped, and one that repeats a phrasing already
    known is ignored, so a renamed file never stops start-up.
    """
    topics: dict[str, Topic] = {t.id: t for t in base.topics}
    for topic in extra_topics:
        topics.setdefault(topic.id, topic)
    known = {same_text_key(q) for t in topics.values() for q in t.phrasings()}
    added: dict[str, list[str]] = {}
    for topic_id, question in extra_questions:
        key = same_text_key(question)
        if topic_id in topics and key and key not in known:
            known.add(key)
            added.setdefault(topic_id, []).append(question.strip())
    merged = [
        Topic(t.id, t.title, t.questions + tuple(added.get(t.id, ())), t.answer, t.links, t.en, t.source)
        for t in topics.values()
    ]
    return TopicSet(tuple(merged))


@dataclass(frozen=True)
class HeldoutQuestion:
    text: str
    topic: str


def load_heldout_topics(directory: Path) -> list[HeldoutQuestion]:
    """``data/knowledge/heldout.yml``: ``topics: {topic_id: [question, …]}``. Never trained on."""
    path = Path(directory) / HELDOUT_FILE
    if not path.is_file():
        return []
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except (OSError, yaml.YAMLError, KnowledgeDataError) as exc:
        raise KnowledgeDataError(f"{path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("topics"), dict):
        raise KnowledgeDataError(f"{path}: expected a mapping 'topics' of topic id -> list of questions")
    result: list[HeldoutQuestion] = []
    for topic_id, questions in data["topics"].items():
        if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
            raise KnowledgeDataError(f"{path}: topic {topic_id!r} needs a list of quoted questions")
        result.extend(HeldoutQuestion(q.strip(), str(topic_id)) for q in questions)
    return result
