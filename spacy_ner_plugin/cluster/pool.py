"""A pool of Ray actors that gives each actor one item at a time and redoes an item on another
actor when its worker dies (a killed process, a lost node), at most `max_retries` times.

The driver does the retrying, not Ray (`max_restarts=0`): Ray would restart a dead actor in
place and wait, forever, for a CPU to start it on when its node is gone. Here a new actor is
asked for instead, items go only to actors that have started, and the actors still alive
drain the queue; one that never finds a CPU is killed when the work is done.
"""

from collections import Counter, deque
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple, TypeVar

from ..errors import PluginError

# How often an item is redone after its worker died, unless the caller says otherwise.
MAX_RETRIES = 3

Item = TypeVar("Item")


def run_pool(
    ray: Any,
    start_actor: Callable[[], Any],
    call: Callable[[Any, Item], Any],
    items: Sequence[Item],
    *,
    n_actors: int,
    max_retries: int = MAX_RETRIES,
    describe: Callable[[Item], str] = str,
) -> Iterator[Tuple[Item, Any]]:
    """Yield `(item, call(actor, item)'s result)` as each item completes, in completion order.

    `start_actor()` creates an actor (with `max_restarts=0`); `call(actor, item)` submits one
    item and returns its object ref. An item whose actor dies more than `max_retries` times, or
    whose call raises, fails the run with a `PluginError` naming it (`describe(item)`);
    the actors are killed whatever happens.
    """
    from ray.exceptions import RayActorError

    todo = deque(range(len(items)))
    deaths: Counter = Counter()
    starting: Dict[Any, Any] = {}  # ready ref -> actor
    running: Dict[Any, Tuple[Any, int]] = {}  # result ref -> (actor, item index)
    idle: List[Any] = []
    failed_starts = 0

    def start() -> None:
        actor = start_actor()
        starting[actor.__ray_ready__.remote()] = actor

    for _ in range(n_actors):
        start()
    try:
        while todo or running:
            while idle and todo:
                actor, index = idle.pop(), todo.popleft()
                running[call(actor, items[index])] = (actor, index)
            (done,), _ = ray.wait([*starting, *running], num_returns=1)
            if done in starting:
                actor = starting.pop(done)
                try:
                    ray.get(done)
                except RayActorError as err:
                    failed_starts += 1
                    if failed_starts > max_retries:
                        raise PluginError(
                            f"Ray workers failed to start {failed_starts} times", str(err)
                        ) from err
                    start()
                    continue
                idle.append(actor)
                continue
            actor, index = running.pop(done)
            try:
                result = ray.get(done)
            except RayActorError as err:
                deaths[index] += 1
                if deaths[index] > max_retries:
                    raise PluginError(
                        f"The Ray job failed on {describe(items[index])}: its worker died "
                        f"{deaths[index]} times (--max-retries {max_retries}); complete "
                        "blocks are kept, and a rerun skips them",
                        f"{type(err).__name__}: {err}",
                    ) from err
                todo.appendleft(index)  # redone first, by the next actor free
                start()
                continue
            except PluginError:
                raise
            except Exception as err:  # Ray wraps the call's own exception in its types
                raise PluginError(
                    f"The Ray job failed on {describe(items[index])}; complete blocks are "
                    "kept, and a rerun skips them",
                    f"{type(err).__name__}: {err}",
                ) from err
            idle.append(actor)
            yield items[index], result
    finally:
        for actor in [*idle, *starting.values(), *(actor for actor, _ in running.values())]:
            ray.kill(actor)
