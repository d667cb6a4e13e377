"""Where a stage's CPU time goes: the service process, PostgreSQL and the NATS server.

Throughput on a shared 2-core machine says little about what a bigger machine would do; CPU
seconds per item do. They are read from the kernel's counters (psutil) at the start and end of
a stage. PostgreSQL's are summed over every ``postgres`` process alive at both readings (the
backends of a long-running service are), the NATS server's over ``nats-server``; the machine's
own idle servers, if any, add next to nothing.
"""

from dataclasses import dataclass

import psutil

SERVERS = ("postgres", "nats-server")


@dataclass(frozen=True)
class CpuReading:
    """Cumulative CPU seconds (user + system) of the service process and of each server kind."""

    service: float
    servers: dict[str, float]

    def since(self, earlier: "CpuReading") -> "CpuReading":
        return CpuReading(
            self.service - earlier.service,
            {kind: self.servers[kind] - earlier.servers.get(kind, 0.0) for kind in self.servers},
        )

    def per_item_ms(self, items: int) -> dict[str, float]:
        """Milliseconds of CPU per item, for the service and each server, and their total."""
        if items <= 0:
            return {}
        shares = {"service": self.service, **{kind: self.servers[kind] for kind in self.servers}}
        return {**{k: v * 1000 / items for k, v in shares.items()}, "total": sum(shares.values()) * 1000 / items}


def _seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def read_cpu(service_pid: int | None) -> CpuReading:
    """The counters now; a process that is gone counts as 0."""
    service = 0.0
    if service_pid is not None:
        try:
            service = _seconds(psutil.Process(service_pid))
        except psutil.Error:
            service = 0.0
    servers = dict.fromkeys(SERVERS, 0.0)
    for process in psutil.process_iter(["name"]):
        name = process.info["name"] or ""
        for kind in SERVERS:
            if name.startswith(kind):
                try:
                    servers[kind] += _seconds(process)
                except psutil.Error:
                    continue
    return CpuReading(service, servers)
