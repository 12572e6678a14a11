"""Benchmark responder (Python). Latency mode: echoes every `ping` back on `pong`.
Throughput mode: counts messages and, when the sender is done, reports the rate from the
moment the first message was sent (its timestamp) to the arrival of the last one."""

import json
import os
import time

from dora import Node

mode = os.environ.get("BENCH_MODE") or "latency"
node = Node()
count = 0
first_sent = last = 0.0
nbytes = 0
for event in node:
    if event["type"] != "INPUT":
        continue
    if mode == "throughput":
        last = time.time()
        if count == 0:
            first_sent = event["timestamp"]
        count += 1
        nbytes += len(event["value"])
    else:
        node.send_output("pong", event["value"])
if mode == "throughput":
    seconds = last - first_sent
    rate = count / seconds
    result = {"lang": "py", "count": count, "seconds": seconds, "rate": rate,
              "bytesPerSecond": nbytes / seconds}
    print("@" + json.dumps(result))
    print("py throughput: %d messages, %d msg/s" % (count, rate))
