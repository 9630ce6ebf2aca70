"""Items run as Ray tasks, at most `n_slots` at a time, an item redone when its worker dies (a
killed process, a lost node) at most `max_retries` times.

Tasks rather than actors: Ray keeps a task's worker process, with what it imported and built,
for the next task of the same driver, where an actor's process dies with the actor. So a worker
builds its pipeline once per session, not once per job (`preannotate.write_block`). The driver
does the retrying, not Ray (`max_retries=0` on the task), so that it can name the item that
failed and count the deaths of each.
"""

from collections import Counter, deque
from typing import Any, Callable, Dict, Iterator, Sequence, Tuple, TypeVar

from ..errors import PluginError

# How often an item is redone after its worker died, unless the caller says otherwise.
MAX_RETRIES = 3

Item = TypeVar("Item")


class StartError(Exception):
    """Raised by a task whose worker could not build what every item needs (its pipeline)."""


def run_pool(
    ray: Any,
    submit: Callable[[Item], Any],
    items: Sequence[Item],
    *,
    n_slots: int,
    max_retries: int = MAX_RETRIES,
    describe: Callable[[Item], str] = str,
) -> Iterator[Tuple[Item, Any]]:
    """Yield `(item, submit(item)'s result)` as each item completes, in completion order.

    `submit(item)` starts a task (with `max_retries=0`) and returns its object ref. An item
    whose worker dies more than `max_retries` times, or whose task raises, fails the run with a
    `PluginError` naming it (`describe(item)`); a `StartError` is retried like a death, and
    more than `max_retries` of them fail the run. Tasks still running then are cancelled.
    """
    from ray.exceptions import RayError, RayTaskError

    todo = deque(range(len(items)))
    deaths: Counter = Counter()
    running: Dict[Any, int] = {}  # result ref -> item index
    failed_starts = 0
    try:
        while todo or running:
            while todo and len(running) < n_slots:
                index = todo.popleft()
                running[submit(items[index])] = index
            (done,), _ = ray.wait(list(running), num_returns=1)
            index = running.pop(done)
            try:
                result = ray.get(done)
            except StartError as err:  # the task's own exception, as Ray raises it
                failed_starts += 1
                if failed_starts > max_retries:
                    raise PluginError(
                        f"Ray workers failed to start {failed_starts} times", str(err)
                    ) from err
                todo.appendleft(index)
                continue
            except PluginError:
                raise
            except RayTaskError as err:  # Ray wraps the call's own exception in its types
                raise PluginError(
                    f"The Ray job failed on {describe(items[index])}; complete blocks are "
                    "kept, and a rerun skips them",
                    f"{type(err).__name__}: {err}",
                ) from err
            except RayError as err:  # the worker died: a killed process, a lost node, OOM
                deaths[index] += 1
                if deaths[index] > max_retries:
                    raise PluginError(
                        f"The Ray job failed on {describe(items[index])}: its worker died "
                        f"{deaths[index]} times (--max-retries {max_retries}); complete "
                        "blocks are kept, and a rerun skips them",
                        f"{type(err).__name__}: {err}",
                    ) from err
                todo.appendleft(index)  # redone first, by the next free slot
                continue
            yield items[index], result
    finally:
        for ref in running:
            ray.cancel(ref, force=True)
