"""The node configuration dora hands a node process (docs/protocol.md, "Node configuration"):
`DORA_NODE_CONFIG`, or for a node started by hand (`path: dynamic`) a file under
`$DORA_HOME/run/dynamic/`."""

import json
import os

from . import _protocol as p


def dynamic_config_path(node_id):
    home = os.environ.get("DORA_HOME") or os.path.join(os.environ.get("HOME", "/tmp"), ".dora")
    return os.path.join(home, "run", "dynamic", node_id + ".json")


def read_config(node_id):
    text = os.environ.get("DORA_NODE_CONFIG")
    origin = "DORA_NODE_CONFIG"
    if not text:
        if node_id is None:
            raise RuntimeError(
                "DORA_NODE_CONFIG is not set: start this node through dora "
                "(`dora run dataflow.yml`), or, for a node declared with `path: dynamic`, "
                "pass its id: Node(\"my-node\")"
            )
        origin = dynamic_config_path(node_id)
        try:
            with open(origin, encoding="utf-8") as f:
                text = f.read()
        except OSError:
            raise RuntimeError(
                "no running dataflow has a dynamic node %r (%s not found); start the dataflow first"
                % (node_id, origin)
            ) from None
    try:
        config = json.loads(text)
    except ValueError as err:
        raise RuntimeError("%s is not valid JSON: %s" % (origin, err)) from None
    if not isinstance(config, dict) or config.get("protocol") != p.PROTOCOL_VERSION:
        raise RuntimeError(
            "%s uses protocol version %r, this node library speaks %d"
            % (origin, config.get("protocol") if isinstance(config, dict) else None,
               p.PROTOCOL_VERSION)
        )
    if node_id is not None and node_id != config.get("node_id"):
        raise RuntimeError("this process is node %r, not %r" % (config.get("node_id"), node_id))
    return config


def read_descriptor(config):
    """The dataflow descriptor of a config: inline, or in the file it names."""
    if "descriptor" in config:
        return config["descriptor"]
    path = config.get("descriptor_file")
    if not path:
        raise RuntimeError("the dora daemon did not hand this node the dataflow descriptor")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as err:
        raise RuntimeError("cannot read the dataflow descriptor %s: %s" % (path, err)) from None
