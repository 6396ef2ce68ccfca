"""Answer texts and buttons from data/answers.yml, editable by staff without touching code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ginbot.core.messages import QuickReply
from ginbot.errors import DataFileError


class ContentError(DataFileError):
    pass


class _StrictLoader(yaml.SafeLoader):
    """Refuses duplicate keys: with plain safe_load a pasted-twice entry silently replaces the first."""


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in seen:
            raise ContentError(f"line {key_node.start_mark.line + 1}: '{key}' appears twice")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)  # type: ignore[arg-type]


class _Defaults(dict[str, Any]):
    # A template naming a placeholder the bot does not supply shows it literally instead of crashing
    # the whole answer: a staff typo must not take the bot down.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Content:
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self.links: dict[str, str] = {k: str(v) for k, v in data.get("links", {}).items()}

    @classmethod
    def load(cls, path: Path) -> Content:
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
        except ContentError as exc:
            raise ContentError(f"{path}: {exc}") from None
        except (OSError, yaml.YAMLError) as exc:
            raise ContentError(f"{path}: {exc}") from exc
        if not isinstance(data, dict):
            raise ContentError(f"{path}: expected a mapping of answer keys")
        return cls(data)

    def text(self, key: str, **values: Any) -> str:
        node: Any = self._data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ContentError(f"answers.yml has no entry '{key}'")
            node = node[part]
        if not isinstance(node, str):
            raise ContentError(f"answers.yml entry '{key}' is not text")
        return node.format_map(_Defaults({**self.links, **values})).strip()

    def has(self, key: str) -> bool:
        node: Any = self._data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    def buttons(self, key: str) -> tuple[QuickReply, ...]:
        raw = self._data.get("buttons", {}).get(key, [])
        if raw and isinstance(raw[0], str):  # a single button
            raw = [raw]
        return tuple(QuickReply(label, text) for label, text in raw)
