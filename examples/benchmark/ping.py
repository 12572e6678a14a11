"""Benchmark driver (Python). Latency mode: sends a payload on `ping`, waits for the echo on
`pong`, and reports half the round trip (p50/p99) per payload size. Throughput mode: sends
BENCH_COUNT payloads as fast as it can and exits; `pong` measures the rate.
Results are printed as `@{...}` JSON lines followed by a readable summary."""

import json
import os
import time

from dora import Node

mode = os.environ.get("BENCH_MODE") or "latency"
sizes = [int(s) for s in (os.environ.get("BENCH_SIZES") or "8,4096,65536,1048576,4194304").split(",")]
node = Node()


def iterations(size):
    fixed = int(os.environ.get("BENCH_ITERS") or 0)
    if fixed > 0:
        return fixed
    return 2000 if size <= 65536 else 300 if size <= 1048576 else 100


if mode == "throughput":
    count = int(os.environ.get("BENCH_COUNT") or 20000)
    payload = b"\x07" * sizes[0]
    for _ in range(count):
        node.send_output("ping", payload)
else:
    for size in sizes:
        payload = b"\x01" * size
        n = iterations(size)
        warmup = min(50, n)
        samples = []
        for i in range(n + warmup):
            start = time.perf_counter()
            node.send_output("ping", payload)
            event = node.next()
            if event is None or event["type"] != "INPUT":
                raise RuntimeError("expected the echo, got %r" % (event,))
            if i >= warmup:
                samples.append((time.perf_counter() - start) * 1e6 / 2)
        samples.sort()
        result = {
            "lang": "py",
            "size": size,
            "n": n,
            "p50": samples[len(samples) // 2],
            "p99": samples[min(len(samples) - 1, int(len(samples) * 0.99))],
        }
        print("@" + json.dumps(result))
        print("py latency %d B: p50 %.1f µs, p99 %.1f µs" % (size, result["p50"], result["p99"]))
node.close()
