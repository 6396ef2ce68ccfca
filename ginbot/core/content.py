"""Answer texts and buttons from data/answers.yml, editable by staff without touching code.

Other languages live beside it as ``answers.<language>.yml`` with the same keys (``answers.en.yml``);
``Content.in_language("en")`` is the view a turn in English answers from. A key missing there falls back
to the Thai text rather than failing the answer (tests/core/test_content.py keeps the files complete).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ginbot.core.messages import Button, ButtonKind, QuickReply
from ginbot.errors import DataFileError
from ginbot.yamlfiles import strict_loader


class ContentError(DataFileError):
    pass


_StrictLoader = strict_loader(ContentError)


class _Defaults(dict[str, Any]):
    # A template naming a placeholder the bot does not supply shows it literally instead of crashing
    # the whole answer: a staff typo must not take the bot down.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


DEFAULT_LANGUAGE = "th"
_MISSING = object()


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except ContentError as exc:
        raise ContentError(f"{path}: {exc}") from None
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ContentError(f"{path}: expected a mapping of answer keys")
    return data


def _find(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


class Content:
    def __init__(
        self,
        data: dict[str, Any],
        translations: dict[str, dict[str, Any]] | None = None,
        language: str = DEFAULT_LANGUAGE,
        fallback: dict[str, Any] | None = None,
    ) -> None:
        self._data = data
        # The Thai answers, for a key a translation lacks; None for the Thai content itself.
        self._fallback = fallback
        self._translations = translations or {}
        self.language = language
        links = {**(fallback or {}).get("links", {}), **data.get("links", {})}
        self.links: dict[str, str] = {k: str(v) for k, v in links.items()}

    @classmethod
    def load(cls, path: Path) -> Content:
        """``answers.yml`` and every ``answers.<language>.yml`` beside it."""
        translations = {
            sibling.name.split(".")[1]: _read(sibling)
            for sibling in sorted(path.parent.glob(f"{path.stem}.*{path.suffix}"))
            if sibling.name.count(".") == 2
        }
        content = cls(_read(path), translations)
        for language in content.languages:
            view = content.in_language(language)
            try:
                for key in view.action_keys():
                    view.actions(key)  # a broken button stops start-up, not a conversation
            except ContentError as exc:
                raise ContentError(f"{path.parent}: {exc}") from None
        return content

    @property
    def languages(self) -> tuple[str, ...]:
        return (DEFAULT_LANGUAGE, *sorted(self._translations))

    def in_language(self, language: str | None) -> Content:
        """The answers in ``language`` (Thai for None or a language without a file)."""
        if self._fallback is not None or language == self.language or language not in self._translations:
            return self
        return Content(self._translations[language], language=language, fallback=self._data)

    def _get(self, key: str) -> Any:
        node = _find(self._data, key)
        if node is _MISSING and self._fallback is not None:
            node = _find(self._fallback, key)
        return node

    def template(self, key: str) -> str:
        """The entry as written, placeholders unfilled."""
        node = self._get(key)
        name = "answers.yml" if self.language == DEFAULT_LANGUAGE else f"answers.{self.language}.yml"
        if node is _MISSING:
            raise ContentError(f"{name} has no entry '{key}'")
        if not isinstance(node, str):
            raise ContentError(f"{name} entry '{key}' is not text")
        return node

    def text(self, key: str, **values: Any) -> str:
        return self.template(key).format_map(_Defaults({**self.links, **values})).strip()

    def render(self, template: str, **values: Any) -> str:
        """Fill a text that is not in answers.yml (a knowledge topic's answer) with the same links and values."""
        return template.format_map(_Defaults({**self.links, **values})).strip()

    def has(self, key: str) -> bool:
        return self._get(key) is not _MISSING

    def buttons(self, key: str) -> tuple[QuickReply, ...]:
        raw = self._get(f"buttons.{key}")
        if raw is _MISSING:
            return ()
        if raw and isinstance(raw[0], str):  # a single button
            raw = [raw]
        return tuple(QuickReply(label, text) for label, text in raw)

    def keys(self) -> set[str]:
        """Every text entry as a dotted key (``migration_date.future``), for completeness checks."""

        def walk(node: Any, prefix: str) -> set[str]:
            if isinstance(node, dict):
                return {k for name, child in node.items() for k in walk(child, f"{prefix}{name}.")}
            return {prefix.rstrip(".")}

        return walk(self._data, "")

    def action_keys(self) -> list[str]:
        raw = self._get("actions")
        return list(raw) if isinstance(raw, dict) else []

    def actions(self, key: str) -> tuple[Button, ...]:
        """The buttons under ``actions.<key>``: each ``{label, url}``, ``{label, tel}`` or ``{label, text}``;
        placeholders such as ``{download}`` are filled from ``links``."""
        raw = self._get(f"actions.{key}")
        buttons: list[Button] = []
        if raw is _MISSING:
            return ()
        for item in raw:
            if not isinstance(item, dict) or "label" not in item:
                raise ContentError(f"answers.yml actions.{key}: each button needs a label and a url, tel or text")
            label = self._fill(str(item["label"]))
            for name, kind in (("url", ButtonKind.LINK), ("tel", ButtonKind.PHONE), ("text", ButtonKind.MESSAGE)):
                if name in item:
                    try:
                        buttons.append(Button(label, kind, self._fill(str(item[name]))))
                    except ValueError as exc:
                        raise ContentError(f"answers.yml actions.{key}: {exc}") from None
                    break
            else:
                raise ContentError(f"answers.yml actions.{key}: button {label!r} needs a url, tel or text")
        return tuple(buttons)

    def card_labels(self, key: str) -> dict[str, str]:
        """A card's title and row labels (``dates_card`` …); a missing label reads as its key, never crashes."""
        raw = self._get(key)
        thai = _find(self._fallback, key) if self._fallback is not None else {}
        labels = {**(thai if isinstance(thai, dict) else {}), **(raw if isinstance(raw, dict) else {})}
        return _Defaults({k: str(v) for k, v in labels.items()})

    def _fill(self, template: str) -> str:
        return template.format_map(_Defaults(self.links)).strip()
