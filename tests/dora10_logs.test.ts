/**
 * Logs with levels end to end, through the real CLI: structured lines parsed into records,
 * `min_log_level`, `send_logs_as`, the `dora/logs` inputs, rotation by `max_log_size` and
 * `max_rotated_files`, `dora logs --level/--grep/--until/--json`, `dora run --log-level`, and
 * the stored format. Fixture nodes print dora's JSON log lines themselves (logger.py).
 */
import assert from "node:assert/strict";
import { dora } from "./helpers.ts";
import { eventsIn, linesOf, runFlow, startFlow, withHome, writeFlow } from "./dora10_helpers.ts";

const LOGS_FLOW = `nodes:
  - id: quiet
    path: $FIX/logger.py
    args: quiet
    min_log_level: info
    send_logs_as: entries
  - id: chatty
    path: $FIX/logger.py
    args: chatty
  - id: agg
    path: $FIX/events.py
    inputs:
      entries: quiet/entries
      all: { source: dora/logs, queue_size: 100 }
      errors: dora/logs/error
      chatty_warn: dora/logs/warn/chatty
`;

type LogMessage = {
  timestamp: string;
  level: string;
  dataflow_id: string;
  node_id: string;
  message: string;
  target: string | null;
  fields: unknown;
};

/** What `agg` received, per input, as dora LogMessages. */
function received(lines: string[]): Record<string, LogMessage[]> {
  const out: Record<string, LogMessage[]> = {};
  for (const ev of eventsIn(lines)) {
    if (ev.type !== "INPUT") continue;
    (out[ev.id!] ??= []).push(JSON.parse(ev.value as string));
  }
  return out;
}

function checkReceived(got: Record<string, LogMessage[]>): void {
  const summary = (list: LogMessage[] = []) => list.map((m) => `${m.node_id}:${m.level}`).sort();
  // send_logs_as: structured records only, past min_log_level.
  assert.deepEqual(summary(got.entries), ["quiet:error", "quiet:info", "quiet:info", "quiet:warn"]);
  const warn = got.entries!.find((m) => m.level === "warn")!;
  assert.match(warn.timestamp, /^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
  assert.match(warn.dataflow_id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(warn, {
    timestamp: warn.timestamp,
    level: "warn",
    dataflow_id: warn.dataflow_id,
    node_id: "quiet",
    message: "quiet warn message",
    target: "fixture::logger",
    fields: { tag: "quiet", n: 1 },
  });
  // dora/logs: every node but the subscriber, plain lines as level stdout; min_log_level of
  // `quiet` applies at the source.
  assert.deepEqual(summary(got.all), [
    "chatty:debug",
    "chatty:error",
    "chatty:info",
    "chatty:info",
    "chatty:stdout",
    "chatty:stdout",
    "chatty:trace",
    "chatty:warn",
    "quiet:error",
    "quiet:info",
    "quiet:info",
    "quiet:warn",
  ]);
  assert.deepEqual(summary(got.errors), ["chatty:error", "quiet:error"]);
  assert.deepEqual(summary(got.chatty_warn), ["chatty:error", "chatty:warn"]);
}

Deno.test("logs: min_log_level, send_logs_as and dora/logs in dora run", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(home, LOGS_FLOW);
    const res = await runFlow(home, file);
    const agg = linesOf(res.stdout, "agg");
    checkReceived(received(agg));
    // The log inputs closed once the loggers had finished: agg ended on its own.
    assert.ok(agg.includes("events done"), res.stdout);
    // The terminal shows records with their level; min_log_level hid quiet's lower ones.
    const quiet = linesOf(res.stdout, "quiet");
    // (stdout and stderr are read apart: compare without their interleaving)
    assert.deepEqual(quiet.sort(), [
      "ERROR quiet error message tag=quiet n=1",
      "INFO  quiet info message tag=quiet n=1",
      "INFO  quiet tracing style k=v",
      "WARN  quiet warn message tag=quiet n=1",
    ]);
    assert.ok(linesOf(res.stdout, "chatty").includes("chatty plain stdout"));
    assert.ok(linesOf(res.stdout, "chatty").includes("DEBUG chatty debug message tag=chatty n=1"));
  });
});

Deno.test("logs: the same through the daemon; the stored file reads with cat", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(home, LOGS_FLOW);
    const { uuid, info, logs } = await startFlow(home, file);
    assert.equal(info.status, "Succeeded");
    checkReceived(received(linesOf(logs, "agg")));
    // One line per record: the level where plain lines have their stream.
    const stored = await Deno.readTextFile(`${home.doraHome}/logs/${uuid}/quiet.log`);
    const bodies = stored.trimEnd().split("\n").map((l) => l.slice(25)).filter((l) =>
      !l.startsWith("dora ")
    );
    assert.deepEqual(bodies.sort(), [
      'error quiet error message\t{"target":"fixture::logger","fields":{"tag":"quiet","n":1}}',
      'info quiet info message\t{"stream":"stdout","target":"fixture::logger","fields":' +
      '{"tag":"quiet","n":1}}',
      'info quiet tracing style\t{"stream":"stdout","target":"fixture","fields":{"k":"v"}}',
      'warn quiet warn message\t{"target":"fixture::logger","fields":{"tag":"quiet","n":1}}',
    ]);
    const chatty = await Deno.readTextFile(`${home.doraHome}/logs/${uuid}/chatty.log`);
    assert.match(chatty, /^\S+Z stdout chatty plain stdout$/m);
    assert.match(chatty, /^\S+Z stderr chatty plain stderr$/m);
    assert.match(chatty, /^\S+Z trace chatty trace message\t/m);
  });
});

Deno.test("logs: dora logs --level, --grep, --until and --json; dora run --log-level", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(
      home,
      `nodes:
  - { id: chatty, path: $FIX/logger.py, args: chatty }
  - { id: other, path: $FIX/logger.py, args: other }
`,
    );
    const shown = await runFlow(home, file, ["--log-level", "warn"]);
    for (const node of ["chatty", "other"]) {
      assert.deepEqual(linesOf(shown.stdout, node).sort(), [
        `ERROR ${node} error message tag=${node} n=1`,
        `WARN  ${node} warn message tag=${node} n=1`,
      ]);
    }
    const env = await runFlow(home, file, [], 0, { DORA_LOG_LEVEL: "error" });
    assert.deepEqual(linesOf(env.stdout, "chatty"), ["ERROR chatty error message tag=chatty n=1"]);
    const bad = await dora(["run", file, "--log-level", "loud"], { env: home.env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid --log-level 'loud': expected one of stdout, trace, debug/);

    const uuid = [...Deno.readDirSync(`${home.doraHome}/logs`)].map((e) => e.name).sort()[0]!;
    const logs = (...args: string[]) => dora(["logs", uuid, ...args], { env: home.env });
    const warn = await logs("--level", "warn");
    assert.equal(warn.code, 0, warn.stderr);
    assert.deepEqual(
      warn.stdout.trimEnd().split("\n").map((l) => l.replace(/^\S+\s*\| /, "")).sort(),
      [
        "ERROR chatty error message tag=chatty n=1",
        "ERROR other error message tag=other n=1",
        "WARN  chatty warn message tag=chatty n=1",
        "WARN  other warn message tag=other n=1",
      ],
    );
    // --grep: any case, in messages, node ids and targets; --tail after it.
    const grep = await logs("--grep", "OTHER PLAIN", "--tail", "1");
    assert.equal(grep.stdout, "other  | other plain stderr\n");
    assert.equal(
      (await logs("--grep", "fixture::", "--level", "error")).stdout.split("\n").length,
      3,
    );
    // --until: everything was written more than a moment ago, nothing before an hour ago.
    assert.equal((await logs("--until", "1h")).stdout, "");
    assert.ok((await logs("--until", "0s")).stdout.includes("chatty plain stdout"));
    const json = await logs("--json", "--level", "error", "--node", "other");
    assert.deepEqual(JSON.parse(json.stdout), {
      time: JSON.parse(json.stdout).time,
      node: "other",
      stream: "stderr",
      level: "error",
      line: "other error message",
      target: "fixture::logger",
      fields: { tag: "other", n: 1 },
    });
    assert.equal((await logs("--level", "nope")).code, 2);
  });
});

Deno.test("logs: max_log_size and max_rotated_files rotate a node's log", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(
      home,
      `nodes:
  - id: loud
    path: shell
    args: "i=0; while [ $i -lt 400 ]; do echo \\"line $i of some length to fill the log\\"; i=$((i+1)); done"
    max_log_size: 2KB
    max_rotated_files: 2
`,
    );
    await runFlow(home, file);
    const uuid = [...Deno.readDirSync(`${home.doraHome}/logs`)][0]!.name;
    const files = [...Deno.readDirSync(`${home.doraHome}/logs/${uuid}`)].map((e) => e.name).sort();
    assert.deepEqual(files, ["loud.log", "loud.log.1", "loud.log.2"]);
    for (const name of files) {
      assert.ok(Deno.statSync(`${home.doraHome}/logs/${uuid}/${name}`).size <= 2048, name);
    }
    const tail = await dora(["logs", uuid, "--tail", "1", "--grep", "line"], { env: home.env });
    assert.equal(tail.stdout, "loud | line 399 of some length to fill the log\n");
  });
});
