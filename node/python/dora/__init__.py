"""dora node API for Python, compatible with dora 1.0's (`pip install dora-rs` not needed).

    import pyarrow as pa
    from dora import Node

    node = Node()
    for event in node:
        if event["type"] == "INPUT":
            node.send_output("doubled", pa.array([x * 2 for x in event["value"].to_pylist()]),
                             event["metadata"])

Events are dicts: type ("INPUT", "INPUT_CLOSED", "INPUT_RECOVERED", "STOP", "ERROR"), id,
kind ("dora"), value, metadata (the sender's parameters plus "timestamp", a UTC datetime),
error (for ERROR). With pyarrow installed every value is a `pyarrow.Array`, as in dora; without
it (standard library only, Python 3.8+) values are bytes, str, JSON values or numeric arrays
(`array.array` with `to_pylist()` / `to_numpy()`). Python operators (`class Operator` with
`on_event`) run through `python -m dora._operator`. The wire protocol is described in
docs/protocol.md of the dora-for-Deno project.
"""

from ._node import Node
from ._protocol import PROTOCOL_VERSION
from ._status import DoraStatus

__all__ = ["Node", "DoraStatus", "PROTOCOL_VERSION"]
__version__ = "0.2.0"
