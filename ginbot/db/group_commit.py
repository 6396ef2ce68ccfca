"""Group commit: work that arrives while a transaction is under way shares the next one.

A chat turn or an event claim is a few small statements and one COMMIT. Done one transaction each, the
fixed cost per transaction (on SQLite a round trip to the driver's thread per statement, and the commit)
caps throughput long before the CPU does. ``GroupCommit`` queues items and lets one writer task run them
in batches: under load N items cost one transaction, and an item arriving at an idle writer starts at
once, so nothing waits for a timer.

``run(batch)`` returns one result per item, in order. An exception instance among the results is raised
to that item's caller alone; an exception raised by ``run`` itself goes to every caller in the batch.
With ``key``, a batch holds at most one item per key: the next item with the same key waits for the next
batch, so items of one key run in arrival order, each seeing what the one before it committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_MAX_BATCH = 64


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        run: Callable[[list[T]], Awaitable[Sequence[R | BaseException]]],
        *,
        name: str,
        key: Callable[[T], Hashable] | None = None,
        max_batch: int = DEFAULT_MAX_BATCH,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._run = run
        self._name = name
        self._key = key
        self._max_batch = max_batch
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0  # how many transactions were run; benchmarks and tests read it

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name=f"group-commit-{self._name}")
        return await future

    def _take(self) -> list[tuple[T, asyncio.Future[R]]]:
        """The next batch, in arrival order; callers that gave up (cancelled) are dropped, not run."""
        batch: list[tuple[T, asyncio.Future[R]]] = []
        left: list[tuple[T, asyncio.Future[R]]] = []
        keys: set[Hashable] = set()
        for item, future in self._waiting:
            if future.done():
                continue
            key = self._key(item) if self._key else None
            if len(batch) >= self._max_batch or (key is not None and key in keys):
                left.append((item, future))
                continue
            if key is not None:
                keys.add(key)
            batch.append((item, future))
        self._waiting = left
        return batch

    async def _write(self) -> None:
        while self._waiting:
            batch = self._take()
            if not batch:
                continue
            self.batches += 1
            try:
                results = await self._run([item for item, _ in batch])
                if len(results) != len(batch):
                    raise RuntimeError(f"{self._name}: {len(results)} results for {len(batch)} items")
            except asyncio.CancelledError:
                # Shutting down: nobody may be left waiting for a batch that will never run.
                for _, future in [*batch, *self._waiting]:
                    future.cancel()
                self._waiting = []
                raise
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
