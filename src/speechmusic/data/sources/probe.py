"""Is the network there at all? :func:`probe_network` asks the download hosts, within seconds."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from speechmusic.data.sources.download import make_session

# --- is the network there at all? --------------------------------------------------------------

#: Seconds the reachability probe waits for any host to answer.
PROBE_TIMEOUT = 3.0


@dataclass(frozen=True)
class ProbeResult:
    """What :func:`probe_network` found."""

    reachable: bool
    hosts: tuple[str, ...]  # the addresses asked (scheme://host[:port]/)
    answered: str | None = None  # the first one that answered
    elapsed: float = 0.0  # seconds
    timeout: float = PROBE_TIMEOUT  # seconds the probe was willing to wait

    def describe(self) -> str:
        """One line for messages."""
        if self.reachable:
            return f"{self.answered} answered after {self.elapsed:.1f} s"
        names = ", ".join(h.split("://", 1)[-1].rstrip("/") for h in self.hosts)
        if self.elapsed < self.timeout:  # nothing to wait for: every attempt failed at once ("within 0.0 s" told nothing)
            return f"no answer from {names}: every attempt failed at once (no network, or the name could not be resolved)"
        return f"no answer from {names} within {self.timeout:g} s"


def _host_root(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}/"


def probe_network(urls: Sequence[str], *, timeout: float = PROBE_TIMEOUT) -> ProbeResult:
    """Ask the hosts of ``urls``, all at once, for any HTTP answer; stop at the first one.

    Any answer counts (even an error status: the host is there), so does an answer through the
    proxy that ``requests`` would use. Used before a download starts, so that a machine without
    network hears so within ``timeout`` seconds instead of after every mirror's retries.

    Parameters
    ----------
    urls : sequence of str
        Addresses a download would use; only their ``scheme://host:port/`` is asked (HTTP HEAD).
    timeout : float
        Seconds to wait for the first answer.

    Returns
    -------
    ProbeResult
        ``reachable`` is True when some host answered (or there was nothing to ask).
    """
    hosts = tuple(dict.fromkeys(root for root in map(_host_root, urls) if root))
    if not hosts:
        return ProbeResult(True, (), None, 0.0)
    answers: queue.Queue = queue.Queue()

    def ask(host: str) -> None:
        try:
            with make_session() as session:
                session.head(host, timeout=(timeout, timeout), allow_redirects=False).close()
            answers.put(host)
        except BaseException:  # noqa: BLE001 - any failure means "no answer from this host"
            answers.put(None)

    start = time.monotonic()
    for host in hosts:
        # Daemon threads: a host that never answers must not keep the program alive.
        threading.Thread(target=ask, args=(host,), daemon=True).start()
    deadline = start + timeout
    for _ in hosts:
        try:
            host = answers.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if host is not None:
            return ProbeResult(True, hosts, host, time.monotonic() - start, timeout)
    return ProbeResult(False, hosts, None, time.monotonic() - start, timeout)
