import assert from "node:assert/strict";
import { exitText, formatMs, quote, wrapperError } from "./node_text.ts";

const plain = { killedBecause: null, reason: null, stopping: false };

Deno.test("exit texts: code, signal, stop, SIGKILL reason, unknown", () => {
  assert.equal(exitText({ known: true, code: 3, signal: null }, plain), "exited with code 3");
  assert.equal(
    exitText({ known: true, code: null, signal: "SIGTERM" }, { ...plain, stopping: true }),
    "stopped: killed by SIGTERM",
  );
  assert.equal(
    exitText({ known: true, code: null, signal: "SIGKILL" }, {
      ...plain,
      killedBecause: "after not responding for 5s",
    }),
    "killed by SIGKILL after not responding for 5s",
  );
  assert.equal(
    exitText({ known: false, code: null, signal: null }, plain),
    "ended; exit code unknown",
  );
  assert.equal(
    exitText({ known: false, code: null, signal: null }, { ...plain, reason: "lost" }),
    "lost",
  );
});

Deno.test("the wrapper's exec complaint, in dash and bash wordings", () => {
  assert.equal(
    wrapperError("cam", ["noise", "cam: 1: exec: /x/cam: not found"]),
    "cannot execute /x/cam: not found",
  );
  assert.equal(
    wrapperError("cam", ["cam: line 1: /x/cam: Permission denied"]),
    "cannot execute /x/cam: Permission denied",
  );
  assert.equal(wrapperError("cam", ["other: 1: exec: x: not found", "cam: fine"]), undefined);
});

Deno.test("durations and quoting", () => {
  assert.equal(formatMs(250), "250ms");
  assert.equal(formatMs(2000), "2s");
  assert.equal(formatMs(1500), "1.5s");
  assert.equal(quote("a/b.py"), "a/b.py");
  assert.equal(quote("it's"), `'it'\\''s'`);
});
