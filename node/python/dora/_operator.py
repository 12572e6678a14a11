"""Runs one Python operator as a dora node: `python -u -m dora._operator <file.py>`.

The file defines `class Operator` with `on_event(self, dora_event, send_output)` returning a
`DoraStatus`; dora for Deno starts one such process per operator of an `operator:` or
`operators:` node. The instance gets `self.dataflow_descriptor` (set before `__init__` runs, so
`__init__` may use it too). CONTINUE keeps going; STOP ends this operator (the process exits
0); STOP_ALL asks the daemon to stop the whole dataflow. STOP events are handed to `on_event`
too, then the operator ends. An exception in the operator ends the process with status 1.
"""

import importlib.util
import os
import sys

from ._node import Node
from ._status import DoraStatus


def load_operator_class(path):
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)  # the operator's own modules import as in dora
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise RuntimeError("cannot load the operator file %s" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    cls = getattr(module, "Operator", None)
    if cls is None:
        raise RuntimeError("%s defines no class 'Operator' (dora operators need one)" % path)
    return cls


def status_of(result, path):
    if result is None:
        return DoraStatus.CONTINUE
    if isinstance(result, DoraStatus):
        return result
    value = getattr(result, "value", result)  # another enum with the same values
    try:
        return DoraStatus(value)
    except ValueError:
        raise RuntimeError(
            "on_event of %s returned %r; return DoraStatus.CONTINUE, STOP or STOP_ALL"
            % (path, result)
        ) from None


def run(path):
    cls = load_operator_class(path)
    node = Node()
    operator = cls.__new__(cls)
    operator.dataflow_descriptor = node.dataflow_descriptor()
    operator.__init__()

    def send_output(output_id, data=None, metadata=None):
        node.send_output(output_id, data, metadata)

    for event in node:
        status = status_of(operator.on_event(event, send_output), path)
        if status is DoraStatus.STOP_ALL:
            node._request_stop_all()
            break
        if status is DoraStatus.STOP or event["type"] == "STOP":
            break
    node.close()


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: python -m dora._operator <operator.py>\n")
        return 2
    run(argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
