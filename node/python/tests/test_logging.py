"""The logging bridge and log lines (dora._logging). Each bridge scenario runs in a fresh
interpreter: the bridge changes the process's root logger once."""

import json
import os
import subprocess
import sys
import textwrap
import unittest

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(code):
    """Runs `code` (after `from dora import _logging`) and returns the JSON lines on stderr
    and the other stderr lines."""
    out = subprocess.run(
        [sys.executable, "-c", "from dora import _logging\n" + textwrap.dedent(code)],
        env={**os.environ, "PYTHONPATH": PACKAGE}, capture_output=True, text=True, timeout=60,
    )
    if out.returncode != 0:
        raise AssertionError(out.stderr)
    entries, plain = [], []
    for line in out.stderr.splitlines():
        if line.startswith("{"):
            entries.append(json.loads(line))
        else:
            plain.append(line)
    return entries, plain


class LogLines(unittest.TestCase):
    def test_one_json_line_per_entry_in_dora_format(self):
        entries, plain = run("""
            _logging.write_entry("info", "two\\nlines", "vision", {"n": 3, "obj": object})
        """)
        self.assertEqual(plain, [])
        (e,) = entries
        self.assertEqual(list(e), ["timestamp", "level", "message", "target", "fields"])
        self.assertRegex(e["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual((e["level"], e["message"], e["target"]), ("info", "two\nlines", "vision"))
        self.assertEqual(e["fields"]["n"], 3)
        self.assertTrue(e["fields"]["obj"].startswith("<class"))

    def test_level_names(self):
        from dora import _logging

        self.assertEqual(_logging.level_name("WARNING"), "warn")
        self.assertEqual(_logging.level_name("critical"), "error")
        self.assertEqual(_logging.level_name("trace"), "trace")
        with self.assertRaises(ValueError):
            _logging.level_name("loud")
        self.assertEqual([_logging.level_of_record(n) for n in (50, 40, 30, 20, 10, 5)],
                         ["error", "error", "warn", "info", "debug", "trace"])


class Bridge(unittest.TestCase):
    def test_unconfigured_root_logs_every_level(self):
        entries, plain = run("""
            import logging
            _logging.install_bridge()
            _logging.install_bridge()  # twice: still one handler
            logging.debug("d")
            logging.getLogger("x.y").info("i", extra={"sensor": "lidar"})
            logging.log(5, "t")
        """)
        self.assertEqual(plain, [])
        self.assertEqual([(e["level"], e["message"], e["target"]) for e in entries],
                         [("debug", "d", "root"), ("info", "i", "x.y"), ("trace", "t", "root")])
        self.assertEqual(entries[1]["fields"]["sensor"], "lidar")
        self.assertTrue(entries[0]["fields"]["file"].endswith("<string>"))

    def test_basic_config_after_the_bridge_keeps_the_users_level_and_our_lines(self):
        entries, plain = run("""
            import logging
            _logging.install_bridge()
            logging.basicConfig(level=logging.WARNING, format="%(message)s")
            logging.info("hidden")
            logging.warning("shown")
        """)
        self.assertEqual(plain, [])
        self.assertEqual([(e["level"], e["message"]) for e in entries], [("warn", "shown")])

    def test_basic_config_to_a_file_keeps_the_file_and_adds_the_log(self):
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "app.log")
            entries, plain = run("""
                import logging
                _logging.install_bridge()
                logging.basicConfig(filename=%r, level=logging.INFO)
                logging.info("both")
            """ % path)
            with open(path) as f:
                self.assertIn("both", f.read())
        self.assertEqual([e["message"] for e in entries], ["both"])

    def test_a_users_console_handler_is_left_alone(self):
        entries, plain = run("""
            import logging, sys
            logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="mine: %(message)s")
            _logging.install_bridge()
            logging.info("once")
        """)
        self.assertEqual(entries, [])
        self.assertEqual(plain, ["mine: once"])

    def test_a_users_file_handler_gets_company(self):
        entries, plain = run("""
            import logging, io
            logging.getLogger().addHandler(logging.StreamHandler(io.StringIO()))
            logging.getLogger().setLevel(logging.INFO)
            _logging.install_bridge()
            logging.debug("below the user's level")
            logging.info("kept")
        """)
        self.assertEqual([e["message"] for e in entries], ["kept"])

    def test_exceptions_are_part_of_the_message(self):
        entries, _ = run("""
            import logging
            _logging.install_bridge()
            try:
                1 / 0
            except ZeroDivisionError:
                logging.exception("failed")
        """)
        (e,) = entries
        self.assertEqual(e["level"], "error")
        self.assertIn("ZeroDivisionError", e["message"])


if __name__ == "__main__":
    unittest.main()
