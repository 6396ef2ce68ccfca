"""Safe YAML for the files maintainers and staff edit (answers, knowledge topics, reminder and check-in
policies): a key written twice is an error naming its line, where plain ``safe_load`` would silently keep
the second copy and drop an answer someone pasted twice.

Each reader raises its own ``DataFileError`` subclass, so ``strict_loader`` makes one loader per error type.
(intents/*.yml stay on libyaml's faster loader: they are read at every start-up and checked by the eval.)
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from ginbot.errors import DataFileError


class StrictLoader(yaml.SafeLoader):
    error: type[DataFileError] = DataFileError


def _no_duplicates(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise loader.error(f"line {key_node.start_mark.line + 1}: '{key}' appears twice")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


@cache
def strict_loader(error: type[DataFileError]) -> type[StrictLoader]:
    """A StrictLoader whose duplicate-key error is ``error``."""
    return type(f"StrictLoader[{error.__name__}]", (StrictLoader,), {"error": error})
