"""Channel-neutral conversation: ``Bot.handle(IncomingMessage) -> list[Reply]``; no SDK or web imports."""
