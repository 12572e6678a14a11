"""What a node can ask about itself and its dataflow, and its log calls (part of `Node`)."""

import copy
import datetime

from . import _logging
from ._config import read_descriptor

_UTC = datetime.timezone.utc


class NodeInfo:
    """Needs `self._config` (the node config), `self.id` and `self.outputs`."""

    _descriptor = None

    # -- logging --------------------------------------------------------------------------

    def log(self, level, message, target=None, fields=None):
        """A structured log entry: level "error", "warn", "info", "debug" or "trace"; `target`
        a module or subsystem name; `fields` a dict of string keys and values."""
        _logging.write_entry(_logging.level_name(level), message, target, fields)

    def log_error(self, message):
        _logging.write_entry("error", message)

    def log_warn(self, message):
        _logging.write_entry("warn", message)

    def log_info(self, message):
        _logging.write_entry("info", message)

    def log_debug(self, message):
        _logging.write_entry("debug", message)

    def log_trace(self, message):
        _logging.write_entry("trace", message)

    # -- about the dataflow ---------------------------------------------------------------

    def dataflow_id(self):
        """The id of the running dataflow (a UUID)."""
        return self._config["dataflow_id"]

    def dataflow_descriptor(self):
        """The dataflow file, parsed, as a dict."""
        if self._descriptor is None:
            self._descriptor = read_descriptor(self._config)
        return copy.deepcopy(self._descriptor)

    def node_config(self):
        """This node's entry of the dataflow file (`id`, `path`, `inputs`, ...), as a dict."""
        entry = self._config.get("node_config")
        if entry is None:  # too large for the environment: look it up in the descriptor
            nodes = self.dataflow_descriptor().get("nodes") or []
            entry = next((n for n in nodes if isinstance(n, dict) and n.get("id") == self.id), None)
        if entry:
            return copy.deepcopy(entry)
        return {"id": self.id, "inputs": {k: v["source"] for k, v in self._config["inputs"].items()},
                "outputs": list(self.outputs)}

    def restart_count(self):
        """How many times the restart policy has restarted this node (0 on the first run)."""
        return int(self._config.get("restart_count") or 0)

    def is_restart(self):
        """True when this process is a restart after an earlier exit or failure."""
        return self.restart_count() > 0

    def timestamp(self):
        """Now, as a UTC datetime (compare with an event's metadata["timestamp"])."""
        return datetime.datetime.now(_UTC)

    def merge_external_events(self, subscription):
        raise NotImplementedError(
            "merge_external_events (ROS 2) is not supported by dora for Deno: run a ROS 2 "
            "node (rclpy) next to the dataflow and bridge it with a dora node"
        )
