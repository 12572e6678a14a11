"""Multiplies each value by --factor (the module's `factor` param)."""
import sys

from dora import Node

factor = int(sys.argv[sys.argv.index("--factor") + 1])
node = Node()
for event in node:
    if event["type"] == "INPUT":
        value = event["value"]
        value = value.to_pylist()[0] if hasattr(value, "to_pylist") else value
        node.send_output("doubled", value * factor)
