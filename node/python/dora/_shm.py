"""Large payloads through files in a private shared-memory folder (docs/protocol.md, "Shared
memory"): the sender writes into a file it reuses once the daemon says every receiver has read
it (FREE); receivers read the bytes and release the file (RELEASE)."""

import collections
import os

_KEEP_FREE = 4  # reusable files a sender keeps
_KEEP_OPEN = 8  # open read handles a receiver keeps


class ShmWriter:
    """Reusable payload files named <prefix>.<n>; reused once the daemon sends FREE."""

    def __init__(self, directory, prefix):
        self.dir = directory
        self.prefix = prefix
        self.next = 0
        self.free = []  # [name, fd, capacity]
        self.busy = {}

    def write(self, data, size):
        entry = None
        for i, candidate in enumerate(self.free):
            if candidate[2] >= size:
                entry = self.free.pop(i)
                break
        if entry is None and self.free:
            entry = self.free.pop()
        if entry is None:
            name = "%s.%d" % (self.prefix, self.next)
            self.next += 1
            fd = os.open(os.path.join(self.dir, name), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            entry = [name, fd, 0]
        view = memoryview(data)
        at = 0
        while at < size:
            at += os.pwrite(entry[1], view[at:], at)
        entry[2] = max(entry[2], size)
        self.busy[entry[0]] = entry
        return entry[0]

    def release(self, name):
        entry = self.busy.pop(name, None)
        if entry is None:
            return
        self.free.append(entry)
        if len(self.free) > _KEEP_FREE:
            self.free.sort(key=lambda e: -e[2])
            self._discard(self.free.pop())

    def _discard(self, entry):
        try:
            os.close(entry[1])
            os.unlink(os.path.join(self.dir, entry[0]))
        except OSError:
            pass

    def close(self):
        for entry in self.free:
            self._discard(entry)
        self.free = []
        for entry in self.busy.values():
            try:
                os.close(entry[1])
            except OSError:
                pass
        self.busy = {}


class ShmReader:
    def __init__(self, directory):
        self.dir = directory
        self.open = collections.OrderedDict()

    def read(self, name, length):
        if "/" in name or name.startswith("."):
            raise ValueError("invalid shared-memory name %r" % name)
        fd = self.open.pop(name, None)
        if fd is None:
            fd = os.open(os.path.join(self.dir, name), os.O_RDONLY)
            if len(self.open) >= _KEEP_OPEN:
                os.close(self.open.popitem(last=False)[1])
        self.open[name] = fd
        data = os.pread(fd, length, 0)
        if len(data) < length:
            parts = [data]
            got = len(data)
            while got < length:
                more = os.pread(fd, length - got, got)
                if not more:
                    raise ValueError("shared-memory file %r is shorter than %d" % (name, length))
                parts.append(more)
                got += len(more)
            data = b"".join(parts)
        return data

    def close(self):
        for fd in self.open.values():
            try:
                os.close(fd)
            except OSError:
                pass
        self.open.clear()
