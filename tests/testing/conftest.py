from ginbot.testing.fixtures import line_stub, telegram_stub  # noqa: F401  (pytest fixtures)
