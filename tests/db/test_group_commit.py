"""GroupCommit: what callers see when work arrives alone, together, keyed, failing or abandoned."""

from __future__ import annotations

import asyncio

import pytest

from ginbot.db.group_commit import GroupCommit


async def settled() -> None:
    """Let every task created so far run up to its next wait: asyncio runs ready tasks in order, so this
    depends on the scheduler's rules, not on how fast the machine is."""
    for _ in range(5):
        await asyncio.sleep(0)


class RecordingWriter:
    """Stands in for a transaction: records each batch, and can be held open to let work pile up."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_batch_with: Exception | None = None

    async def run(self, items: list[str]) -> list[str | BaseException]:
        self.batches.append(list(items))
        await self.gate.wait()
        if self.fail_batch_with is not None:
            raise self.fail_batch_with
        return [ValueError(f"bad item {i}") if i.startswith("bad") else i.upper() for i in items]


async def test_a_lone_item_is_written_at_once_in_a_batch_of_its_own() -> None:
    writer = RecordingWriter()
    group = GroupCommit(writer.run, name="t")

    assert await group.submit("a") == "A"
    assert writer.batches == [["a"]]


async def test_items_arriving_while_a_batch_is_written_share_the_next_one() -> None:
    writer = RecordingWriter()
    group = GroupCommit(writer.run, name="t")
    writer.gate.clear()
    first = asyncio.create_task(group.submit("a"))
    await settled()
    assert writer.batches == [["a"]]  # "a" is being written
    later = [asyncio.create_task(group.submit(x)) for x in "bcd"]
    await settled()
    writer.gate.set()

    assert await asyncio.gather(first, *later) == ["A", "B", "C", "D"]
    assert writer.batches == [["a"], ["b", "c", "d"]]
    assert group.batches == 2


async def test_items_with_one_key_go_in_separate_batches_in_arrival_order() -> None:
    writer = RecordingWriter()
    group = GroupCommit(writer.run, name="t", key=lambda item: item[0])
    writer.gate.clear()
    blocker = asyncio.create_task(group.submit("z"))
    await settled()
    tasks = [asyncio.create_task(group.submit(x)) for x in ("u1", "v1", "u2", "u3", "v2")]
    await settled()
    writer.gate.set()
    await asyncio.gather(blocker, *tasks)

    assert writer.batches == [["z"], ["u1", "v1"], ["u2", "v2"], ["u3"]]


async def test_a_batch_never_exceeds_max_batch() -> None:
    writer = RecordingWriter()
    group = GroupCommit(writer.run, name="t", max_batch=2)
    writer.gate.clear()
    tasks = [asyncio.create_task(group.submit(x)) for x in "abcde"]
    await settled()
    writer.gate.set()
    assert await asyncio.gather(*tasks) == list("ABCDE")
    assert writer.batches == [["a", "b"], ["c", "d"], ["e"]]


async def test_an_exception_result_reaches_only_its_own_caller() -> None:
    writer = RecordingWriter()
    group = GroupCommit(writer.run, name="t")
    writer.gate.clear()
    tasks = [asyncio.create_task(group.submit(x)) for x in ("a", "bad-b", "c")]
    await settled()
    writer.gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)

    assert results[0] == "A" and results[2] == "C"
    assert isinstance(results[1], ValueError) and "bad-b" in str(results[1])


async def test_a_failed_batch_fails_its_callers_and_the_next_batch_still_runs() -> None:
    writer = RecordingWriter()
    group = GroupCommit(writer.run, name="t")
    writer.fail_batch_with = RuntimeError("database is down")
    with pytest.raises(RuntimeError, match="database is down"):
        await group.submit("a")
    writer.fail_batch_with = None
    assert await group.submit("b") == "B"


async def test_work_of_a_caller_that_gave_up_is_not_written() -> None:
    writer = RecordingWriter()
    group = GroupCommit(writer.run, name="t")
    writer.gate.clear()
    first = asyncio.create_task(group.submit("a"))
    await settled()
    abandoned = asyncio.create_task(group.submit("b"))
    kept = asyncio.create_task(group.submit("c"))
    await settled()
    abandoned.cancel()
    await settled()
    writer.gate.set()

    assert await asyncio.gather(first, kept) == ["A", "C"]
    assert writer.batches == [["a"], ["c"]]


async def test_a_writer_returning_the_wrong_number_of_results_is_an_error_not_a_hang() -> None:
    async def short(items: list[str]) -> list[str]:
        return items[:-1]

    group = GroupCommit(short, name="t")
    with pytest.raises(RuntimeError, match="1 results for 2 items"):
        await asyncio.gather(group.submit("a"), group.submit("b"))


async def test_cancelling_the_writer_at_shutdown_leaves_nobody_waiting() -> None:
    writer = RecordingWriter()
    group = GroupCommit(writer.run, name="t")
    writer.gate.clear()
    running = asyncio.create_task(group.submit("a"))
    await settled()
    queued = asyncio.create_task(group.submit("b"))
    await settled()
    # What shutdown does to the tasks still running: cancel them (found by name, as a person would).
    (writer_task,) = [t for t in asyncio.all_tasks() if t.get_name() == "group-commit-t"]
    writer_task.cancel()

    for task in (running, queued):
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 1)
