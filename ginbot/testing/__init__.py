"""Test doubles for other suites to reuse: stub LINE and Telegram API servers, webhook payload builders.

- ``LineStub`` / ``TelegramStub`` (line_stub.py, telegram_stub.py): small aiohttp servers on a free port that
  the real SDKs talk to; they record every request and can be told to fail, slow down or hang.
- payloads.py: LINE webhook bodies with real signatures, Telegram Update objects, shaped like the
  platforms' documented samples.
- fixtures.py: pytest fixtures ``line_stub`` and ``telegram_stub``; import them into a conftest.py.
"""
