"""dora node API for Python (standard library only; Python 3.8+).

    from dora import Node

    node = Node()
    for event in node:
        if event["type"] == "INPUT":
            node.send_output("bbox", process(event["value"]), event["metadata"])

Events are dicts: type ("INPUT", "INPUT_CLOSED", "INPUT_RECOVERED", "STOP", "ERROR"), id,
value, metadata (the sender's parameters), timestamp (seconds since the epoch, float), error (for ERROR). Values are
bytes, str, JSON values, or numeric arrays (`array.array` with `to_pylist()` / `to_numpy()`).
The wire protocol is described in docs/protocol.md of the dora-for-Deno project.
"""

from ._node import Node
from ._protocol import PROTOCOL_VERSION

__all__ = ["Node", "PROTOCOL_VERSION"]
__version__ = "0.1.0"
