"""What the fetcher's loops (seeds watcher, feed poller) publish through.

The app binds these to JetStream; tests bind them to lists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from orewatch_common.contracts import DeadLetter, RawArticle

PublishArticle = Callable[[RawArticle], Awaitable[None]]
PublishDeadLetter = Callable[[DeadLetter], Awaitable[None]]
