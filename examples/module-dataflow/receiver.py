"""Prints every value it receives."""
from dora import Node

node = Node()
count = 0
for event in node:
    if event["type"] == "INPUT":
        value = event["value"]
        value = value.to_pylist()[0] if hasattr(value, "to_pylist") else value
        print("received", value, flush=True)
        count += 1
print("receiver: %d values" % count)
