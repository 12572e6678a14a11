"""Benchmark responder (Python). Latency mode: echoes every `ping` back on `pong`.
Throughput mode: counts messages and reports the rate when the sender is done."""

import json
import os
import time

from dora import Node

mode = os.environ.get("BENCH_MODE") or "latency"
node = Node()
count = 0
first = last = 0.0
nbytes = 0
for event in node:
    if event["type"] != "INPUT":
        continue
    if mode == "throughput":
        last = time.perf_counter()
        if count == 0:
            first = last
        count += 1
        nbytes += len(event["value"])
    else:
        node.send_output("pong", event["value"])
if mode == "throughput":
    seconds = last - first
    rate = (count - 1) / seconds if count > 1 else 0
    result = {"lang": "py", "count": count, "seconds": seconds, "rate": rate,
              "bytesPerSecond": nbytes / seconds if count > 1 else 0}
    print("@" + json.dumps(result))
    print("py throughput: %d messages, %d msg/s" % (count, rate))
