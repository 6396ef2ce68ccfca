"""Test doubles for other suites to reuse: stub LINE and Telegram API servers, webhook payload builders.

- ``LineStub`` / ``TelegramStub`` (line_stub.py, telegram_stub.py): small aiohttp servers on a free port that
  the real SDKs talk to; they record every request and can be told to fail, slow down or hang.
- payloads.py: LINE webhook bodies with real signatures, Telegram Update objects, shaped like the
  platforms' documented samples.
- fixtures.py: pytest fixtures ``line_stub`` and ``telegram_stub``; import them into a conftest.py.

This is ginbot's only family of API stubs: the channel tests, the delivery tests and bench/ all use it.

It ships in the wheel on purpose. The stubs are how an installed ginbot is rehearsed without LINE or
Telegram (point ``GINBOT_LINE_API_BASE`` and ``GINBOT_TELEGRAM_API_BASE`` at them, as bench/broadcast.py
does in a process of its own) and how a project embedding ginbot tests against it. They cost nothing at
run time: nothing in ginbot imports the stubs, and they need only aiohttp, which ginbot needs anyway.
Only fixtures.py needs pytest, and only a test suite imports it. (conversations.py, the maintainers'
dialogue tests, is run by `ginbot test-conversations`.)
"""
