"""Reading the node config and the dataflow descriptor (dora._config)."""

import json
import os
import tempfile
import unittest

from dora import _config


class Descriptor(unittest.TestCase):
    def test_inline_or_in_a_file(self):
        self.assertEqual(_config.read_descriptor({"descriptor": {"nodes": []}}), {"nodes": []})
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "d.json")
            with open(path, "w") as f:
                json.dump({"nodes": [{"id": "a"}]}, f)
            self.assertEqual(_config.read_descriptor({"descriptor_file": path}),
                             {"nodes": [{"id": "a"}]})
            with self.assertRaisesRegex(RuntimeError, "cannot read the dataflow descriptor"):
                _config.read_descriptor({"descriptor_file": os.path.join(folder, "gone.json")})
        with self.assertRaisesRegex(RuntimeError, "did not hand this node"):
            _config.read_descriptor({})

    def test_config_of_another_protocol_is_refused(self):
        os.environ["DORA_NODE_CONFIG"] = json.dumps({"protocol": 1, "node_id": "a"})
        try:
            with self.assertRaisesRegex(RuntimeError, "protocol version 1"):
                _config.read_config(None)
        finally:
            del os.environ["DORA_NODE_CONFIG"]


if __name__ == "__main__":
    unittest.main()
