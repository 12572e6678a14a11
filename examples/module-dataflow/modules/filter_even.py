"""Passes even values through, drops odd ones."""
from dora import Node

node = Node()
for event in node:
    if event["type"] == "INPUT":
        value = event["value"]
        value = value.to_pylist()[0] if hasattr(value, "to_pylist") else value
        if value % 2 == 0:
            node.send_output("filtered", value)
