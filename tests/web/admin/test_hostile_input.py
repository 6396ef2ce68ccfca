"""Odd numbers in admin forms and query strings are a form error or a 404, never a 500."""

from __future__ import annotations

import aiohttp
import pytest

from ginbot.web.admin.forms import small_int
from tests.web.admin.conftest import Admin

ODD_NUMBERS = ["²", "①", "٣" * 12, "9" * 5000, "99999999999", "-1", "1.5", "1e3"]


@pytest.mark.parametrize("value", ODD_NUMBERS)
async def test_odd_cohort_filters_and_report_ids_are_no_server_error(admin: Admin, value: str) -> None:
    agencies = await admin.client.get("/admin/agencies", params={"cohort": value})
    assert agencies.status == 200
    preview = await admin.post(
        "/admin/broadcasts/preview", {"target_kind": "cohort", "cohort": value, "text": "ทดสอบ", "when": "now"}
    )
    assert preview.status == 400 and "เลือกกลุ่ม" in await preview.text()
    recipients = await admin.client.get("/admin/api/recipients", params={"target_kind": "cohort", "cohort": value})
    assert recipients.status == 200 and "errors" in await recipients.json()
    assign = await admin.post("/admin/unanswered/assign", aiohttp.FormData([("id", value), ("intent", "greet")]))
    assert assign.status == 303  # "nothing chosen", not a crash


async def test_a_report_id_past_the_database_integer_is_404(admin: Admin) -> None:
    assert (await admin.client.get("/admin/broadcasts/99999999999")).status == 404
    assert (await admin.client.get("/admin/broadcasts/" + "9" * 5000)).status == 404


def test_small_int_reads_what_int_reads_and_nothing_else() -> None:
    assert small_int("2") == 2 and small_int("๒") == 2  # Thai digits are digits
    assert [small_int(v) for v in ODD_NUMBERS] == [None] * len(ODD_NUMBERS)
    assert small_int(None) is None and small_int("2147483647") == 2147483647
