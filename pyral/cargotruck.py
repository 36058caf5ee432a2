"""Ordered parallel work: what pyral's threaded page fetcher needs, on a ThreadPoolExecutor.

``CargoTruck`` keeps pyral 1.7.0's public shape (``orders``, ``num_loaders``, ``load``,
``dump``) for scripts that built one directly; the client itself uses ``run_in_order``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

__version__ = (1, 7, 0)

T = TypeVar("T")
R = TypeVar("R")


def run_in_order(
    func: Callable[[T], R], items: Iterable[T], workers: int, timeout: float | None = None
) -> list[R]:
    """Apply ``func`` to every item concurrently; results come back in input order.

    The first exception raised by any call propagates (after the others finished), so a
    failed page never yields a silently shorter result.
    """
    items = list(items)
    if not items:
        return []
    workers = max(1, min(workers, len(items)))
    if workers == 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pyral-page") as pool:
        futures = [pool.submit(func, item) for item in items]
        return [f.result(timeout=timeout) for f in futures]


class CargoTruck:
    """Run ``agent.<method_name>(order)`` for every order with ``num_loaders`` threads."""

    def __init__(self, orders: list[Any], num_loaders: int) -> None:
        self.orders = orders
        self.num_loaders = num_loaders
        self.tank: dict[int, Any] = {}

    def load(self, agent: Any, method_name: str, timeout: float | None = None) -> None:
        """Do the work; results are kept by order position until ``dump()``."""
        method = getattr(agent, method_name)
        results = run_in_order(method, self.orders, self.num_loaders, timeout)
        self.tank = dict(enumerate(results))

    def dump(self) -> list[Any]:
        """Results in the order the orders were given."""
        return [self.tank[i] for i in sorted(self.tank)]
