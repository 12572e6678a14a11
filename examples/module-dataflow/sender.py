"""Sends the integers 0-19 on "value", one every 50 ms, logging each as a structured record."""
import json
import sys
import time

from dora import Node

node = Node()
for i in range(20):
    node.send_output("value", i)
    print(json.dumps({"level": "info", "message": "sent", "fields": {"value": i}}), file=sys.stderr)
    time.sleep(0.05)
