"""Structured log lines, as dora's log pipeline reads them (docs/protocol.md, "Logging").

Every entry is one JSON object on one line of the node's stderr:

    {"timestamp": "2024-01-15T10:30:00.123Z", "level": "info", "message": "...",
     "target": "sensor" | null, "fields": {...}}

`Node()` routes Python's `logging` here (`install_bridge`), as dora's node API does; `node.log()`
and `node.log_info()` ... write entries directly.
"""

import json
import logging
import sys
import threading
import time
import traceback

LEVELS = ("error", "warn", "info", "debug", "trace")
_ALIASES = {"warning": "warn", "critical": "error", "fatal": "error", "err": "error"}
_lock = threading.Lock()


def level_name(level):
    """The dora level for a level name ("WARNING" -> "warn"); ValueError for an unknown one."""
    name = str(level).lower()
    name = _ALIASES.get(name, name)
    if name not in LEVELS:
        raise ValueError(
            "log level %r is not one of %s (or 'warning')" % (level, ", ".join(LEVELS))
        )
    return name


def level_of_record(levelno):
    """The dora level of a `logging` level number."""
    if levelno >= logging.ERROR:
        return "error"
    if levelno >= logging.WARNING:
        return "warn"
    if levelno >= logging.INFO:
        return "info"
    if levelno >= logging.DEBUG:
        return "debug"
    return "trace"


def rfc3339(seconds):
    """UTC, millisecond precision: 2024-01-15T10:30:00.123Z."""
    whole = int(seconds)
    millis = int((seconds - whole) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + ".%03dZ" % millis


def _field_value(v):
    if v is None or isinstance(v, (str, bool, int, float)):
        return v
    return str(v)


def write_entry(level, message, target=None, fields=None, created=None):
    """Writes one log entry as a JSON line on stderr. `level` must be one of LEVELS."""
    entry = {
        "timestamp": rfc3339(time.time() if created is None else created),
        "level": level,
        "message": str(message),
        "target": None if target is None else str(target),
        "fields": {str(k): _field_value(v) for k, v in (fields or {}).items()},
    }
    line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                      default=str) + "\n"
    stream = sys.stderr
    with _lock:
        try:
            stream.write(line)
            stream.flush()
        except (OSError, ValueError):
            pass  # stderr closed: nowhere left to log to


# Attributes every LogRecord has; anything else was passed as `extra=` and becomes a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName",
}


class DoraHandler(logging.Handler):
    """A `logging` handler writing dora log entries: level, message, the logger's name as
    target, the file and line as fields (plus what `extra=` passed)."""

    def emit(self, record):
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            if record.stack_info:
                message += "\n" + record.stack_info
            fields = {"file": record.pathname, "line": record.lineno}
            for key, value in vars(record).items():
                if key not in _STANDARD and not key.startswith("_"):
                    fields[key] = value
            write_entry(level_of_record(record.levelno), message, record.name, fields,
                        record.created)
        except Exception:
            self.handleError(record)


_handler = None


def _is_console(handler):
    streams = (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)
    return (
        isinstance(handler, logging.StreamHandler)
        and not isinstance(handler, (logging.FileHandler, DoraHandler))
        and getattr(handler, "stream", None) in streams
    )


def install_bridge():
    """Routes the root logger into dora's log pipeline (once per process).

    - Root without handlers (the usual case): our handler is added and the root level lowered
      from Python's default WARNING to NOTSET, so INFO and DEBUG lines are not lost (dora does
      the same).
    - Root already configured by the user: their handlers stay; ours is added unless one of
      theirs already writes to the console (their lines then reach the log as plain lines).
    - `logging.basicConfig(...)` called later still applies the user's level and format; our
      handler takes the place of the console handler it would have created.
    """
    global _handler
    if _handler is not None:
        return
    _handler = DoraHandler()
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(_handler)
        if root.level == logging.WARNING:
            root.setLevel(logging.NOTSET)
    elif not any(_is_console(h) for h in root.handlers):
        root.addHandler(_handler)
    original = logging.basicConfig

    def basicConfig(**kwargs):
        if root.handlers == [_handler]:
            root.removeHandler(_handler)  # so that the user's configuration applies
        if not any(key in kwargs for key in ("handlers", "stream", "filename")):
            kwargs["handlers"] = [_handler]
        kwargs.setdefault("level", logging.NOTSET)
        original(**kwargs)
        if _handler not in root.handlers and not any(_is_console(h) for h in root.handlers):
            root.addHandler(_handler)

    basicConfig.__doc__ = original.__doc__
    logging.basicConfig = basicConfig
