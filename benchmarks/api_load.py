"""API load from a process of its own: ``clients`` concurrent clients asking one path, latencies in ms.

Run: ``python -m benchmarks.api_load --base URL --token T --path P [--path P ...] --clients 32
--requests 2000``; prints one JSON object, per path: p50/p95/p99/max ms, requests per second and
errors (any status but 200 counts, and the first one is shown). A separate process, so the
clients' own CPU use is not the harness's and the server is measured over real sockets.

The clients use aiohttp: httpx's async client, used at first, could not ask faster than about
390 requests/s on this machine, even of an endpoint that returns a constant (aiohttp: 8,400/s),
so every API figure measured the client rather than the server.
"""

import argparse
import asyncio
import json
import time
from typing import Any

import aiohttp

from benchmarks.stats import percentile


async def get(client: aiohttp.ClientSession, path: str) -> int:
    async with client.get(path) as response:
        await response.read()
        return response.status


async def load_path(client: aiohttp.ClientSession, path: str, clients: int, requests: int) -> dict[str, Any]:
    await asyncio.gather(*(get(client, path) for _ in range(clients)))  # warm-up: connections open, not counted
    latencies: list[float] = []
    statuses: list[int] = []
    remaining = iter(range(requests))

    async def one_client() -> None:
        for _ in remaining:
            began = time.perf_counter()
            status = await get(client, path)
            latencies.append((time.perf_counter() - began) * 1000)
            if status != 200:
                statuses.append(status)

    began = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    seconds = time.perf_counter() - began
    return {
        "path": path,
        "clients": clients,
        "requests": len(latencies),
        "errors": len(statuses),
        "first_error_status": statuses[0] if statuses else None,
        "requests_per_s": len(latencies) / seconds,
        **{f"p{p}": percentile(latencies, p) for p in (50, 95, 99)},
        "max": max(latencies),
    }


async def run(base: str, token: str, paths: list[str], clients: int, requests: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base, headers=headers, connector=connector, timeout=timeout) as client:
        return {path: await load_path(client, path, clients, requests) for path in paths}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--path", action="append", required=True)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.base, args.token, args.path, args.clients, args.requests))))


if __name__ == "__main__":
    main()
