"""The aiohttp application: webhooks, web chat, admin pages, health and metrics."""
