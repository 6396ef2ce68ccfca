"""Reminders and staff broadcasts: policy (pure) -> planner -> outbox table -> sender -> platform.

Nothing here is imported by the webhook path; the web app only starts and stops ``runner.DeliveryRunner``.
"""
