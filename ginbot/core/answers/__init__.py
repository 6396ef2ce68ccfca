"""Answer families: each module maps intents to functions ``(Turn) -> Outcome``."""
