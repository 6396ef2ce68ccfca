"""Load and validate the intent data files (``intents/*.yml``, ``intents/heldout/``).

Files are written by hand by helpdesk staff, so every problem is reported with
the file name and what is wrong, and nothing half-loaded is ever returned.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ginbot.errors import DataFileError

# Which intents exist is declared once, in ginbot/core/intents.py (the registry, with each intent's
# answer); the NLU learns whatever files are here, and start-up checks the two agree. `fallback` is the
# out-of-scope class: it has a training file of its own.
FALLBACK = "fallback"
INTENT_ID = re.compile(r"[a-z][a-z0-9_]*")

HELDOUT_DIR = "heldout"
AGENCY_MENTIONS_FILE = "agency_mentions.yml"


class IntentDataError(DataFileError):
    """An intent data file is unusable; the message names the file and the problem."""


@dataclass(frozen=True, order=True)
class IntentExample:
    text: str
    intent: str


@dataclass(frozen=True)
class IntentFile:
    path: Path
    intent: str
    description: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class AgencyMention:
    text: str
    agency: str


def _same_text_key(text: str) -> str:
    # Two examples count as duplicates when they differ only in Unicode form
    # or spacing ("ย้ายวันไหน" = "ย้าย วันไหน": Thai spacing is arbitrary);
    # spelling variants ("ครับ" vs "ครับบบ") are deliberate and kept.
    return "".join(unicodedata.normalize("NFC", text).split())


# libyaml's loader when PyYAML was built with it: 10x faster on these files,
# which are read at every start-up. Same safe subset of YAML either way.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise IntentDataError(f"{path}: not valid YAML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise IntentDataError(f"{path}: cannot read: {exc}") from exc


def load_intent_file(path: Path) -> IntentFile:
    """Parse and validate one ``<intent_id>.yml`` file."""
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise IntentDataError(f"{path}: expected a mapping with 'intent' and 'examples'")
    intent = data.get("intent")
    if not isinstance(intent, str) or not INTENT_ID.fullmatch(intent):
        raise IntentDataError(f"{path}: intent id {intent!r} must be lower_snake_case text")
    if intent != path.stem:
        raise IntentDataError(f"{path}: intent {intent!r} does not match the file name {path.stem!r}")
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise IntentDataError(f"{path}: 'description' must be text")
    raw_examples = data.get("examples")
    if not isinstance(raw_examples, list) or not raw_examples:
        raise IntentDataError(f"{path}: 'examples' must be a non-empty list")
    examples: list[str] = []
    seen: dict[str, int] = {}
    for number, example in enumerate(raw_examples, start=1):
        if not isinstance(example, str):
            raise IntentDataError(f"{path}: example {number} ({example!r}) is not text; quote it")
        if not example.strip():
            raise IntentDataError(f"{path}: example {number} is empty")
        key = _same_text_key(example)
        if key in seen:
            raise IntentDataError(f"{path}: example {number} {example!r} duplicates example {seen[key]}")
        seen[key] = number
        examples.append(example.strip())
    return IntentFile(path=path, intent=intent, description=description, examples=tuple(examples))


def _load_dir(directory: Path, skip: frozenset[str] = frozenset()) -> list[IntentExample]:
    if not directory.is_dir():
        raise IntentDataError(f"{directory}: intents folder not found")
    paths = sorted(p for p in directory.glob("*.yml") if p.name not in skip)
    if not paths:
        raise IntentDataError(f"{directory}: no intent files (*.yml)")
    owner: dict[str, Path] = {}
    examples: list[IntentExample] = []
    for path in paths:
        loaded = load_intent_file(path)
        for text in loaded.examples:
            key = _same_text_key(text)
            # The same sentence under two intents is a contradiction the
            # classifier cannot learn; name both files so staff can pick one.
            if key in owner:
                raise IntentDataError(f"{path}: example {text!r} is also in {owner[key]}")
            owner[key] = path
            examples.append(IntentExample(text=text, intent=loaded.intent))
    return examples


def load_intents(directory: Path) -> list[IntentExample]:
    """All training examples in ``directory/*.yml`` (not ``heldout/``), in file order."""
    return _load_dir(Path(directory))


def load_heldout(directory: Path) -> list[IntentExample]:
    """The held-out test utterances in ``directory/heldout/*.yml``. Never train on these."""
    return _load_dir(Path(directory) / HELDOUT_DIR, skip=frozenset({AGENCY_MENTIONS_FILE}))


def load_agency_mentions(directory: Path) -> list[AgencyMention]:
    """``directory/heldout/agency_mentions.yml``: texts naming an agency, with the right id."""
    path = Path(directory) / HELDOUT_DIR / AGENCY_MENTIONS_FILE
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("mentions"), list):
        raise IntentDataError(f"{path}: expected a mapping with a 'mentions' list")
    mentions: list[AgencyMention] = []
    for number, item in enumerate(data["mentions"], start=1):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("text"), str)
            and isinstance(item.get("agency"), str)
        ):
            raise IntentDataError(f"{path}: mention {number} needs 'text' and 'agency' as text")
        mentions.append(AgencyMention(text=item["text"], agency=item["agency"]))
    if not mentions:
        raise IntentDataError(f"{path}: 'mentions' is empty")
    return mentions
