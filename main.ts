#!/usr/bin/env -S deno run -A
/**
 * The `dora` command line. This file only declares commands and their flags; each command's
 * implementation lives in `lib/cli/<command>.ts` and is imported when that command runs.
 */
import { Command, CommanderError, Option } from "./deps/commander.ts";
import { VERSION } from "./lib/config.ts";
import { DoraError, errorMessage, UsageError } from "./lib/errors.ts";

const collect = (value: string, previous: string[]) => [...previous, value];
const portOption = () =>
  new Option("--port <port>", "daemon control port (default: $DORA_DAEMON_PORT or 53290)")
    .argParser(parsePort);

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`Invalid port '${value}': expected a number from 1 to 65535`);
  }
  return port;
}

/** Runs a command module's exit code through to the process. */
async function exec(load: () => Promise<number>): Promise<void> {
  Deno.exitCode = await load();
}

const program = new Command()
  .name("dora")
  .description("Run dora dataflows: graphs of nodes that exchange messages.")
  .version(`dora ${VERSION}`, "-V, --version", "print the version")
  .helpOption("-h, --help", "show help")
  .showSuggestionAfterError(true)
  .configureOutput({ outputError: (text, write) => write(text) })
  .exitOverride();

program.command("check")
  .alias("validate")
  .description("validate a dataflow file and report every problem")
  .argument("[file]", "dataflow YAML", "dataflow.yml")
  .action((file) => exec(async () => (await import("./lib/cli/check.ts")).check(file)));

program.command("expand")
  .description("print a dataflow with its modules expanded (--module: check a module file)")
  .argument("<file>", "dataflow YAML (or module file with --module)")
  .option("--module", "check a module file on its own")
  .action((file, opts) =>
    exec(async () => (await import("./lib/cli/expand.ts")).expand(file, opts))
  );

program.command("run")
  .description("run a dataflow in the foreground; Ctrl-C stops it")
  .argument("[file]", "dataflow YAML", "dataflow.yml")
  .option("--grace-duration <duration>", "time nodes get to exit before SIGKILL (e.g. 5s)")
  .option("--hot-reload", "restart nodes whose files change")
  .option("--watch <patterns>", "comma-separated patterns to watch with --hot-reload")
  .addOption(
    new Option("--restart-policy <policy>", "override every node's restart policy")
      .choices(["never", "no", "on-failure", "always"]),
  )
  .option("--log-level <level>", "show records from this level: stdout|trace|debug|info|warn|error")
  .option("--stop-after <duration>", "stop gracefully after this long (e.g. 30s), exit 0")
  .option("--uv", "run Python nodes with 'uv run' (the environment 'build --uv' prepared)")
  .option(
    "--exit-when-nodes-finish [bool]",
    "timer inputs do not keep a node whose data inputs closed (overrides the YAML)",
  )
  .option("--record [file]", "record every output to an MCAP file (dora record, from the start)")
  .action((file, opts) => exec(async () => (await import("./lib/cli/run.ts")).run(file, opts)));

program.command("build")
  .description("run each node's build commands")
  .argument("[file]", "dataflow YAML", "dataflow.yml")
  .option("--uv", "run a leading pip/pip3 as 'uv pip'")
  .option("--node <id>", "build only this node")
  .option("--force", "rebuild even when nothing changed")
  .action((file, opts) => exec(async () => (await import("./lib/cli/build.ts")).build(file, opts)));

program.command("graph")
  .description("draw a dataflow: a self-contained HTML page, or Mermaid text")
  .argument("<file>", "dataflow YAML")
  .option("--mermaid", "print Mermaid flowchart text")
  .option("--html <file>", "write the HTML page here (- for stdout; default: next to the YAML)")
  .option("--open", "open the HTML page in the browser")
  .action((file, opts) => exec(async () => (await import("./lib/cli/graph.ts")).graph(file, opts)));

program.command("record")
  .description("record a running dataflow's messages to an MCAP file (--info FILE: summarise one)")
  .argument("[dataflow]", "UUID, UUID prefix, name, or the YAML it was started from")
  .addOption(
    new Option("-d, --dataflow <dataflow>", "the dataflow (instead of the argument)").hideHelp(),
  )
  .option("-o, --output <file>", "the MCAP file (default: recording_<date>_<time>.mcap)")
  .option("--topics <topics>", "comma-separated NODE/OUTPUT topics (default: every output)")
  .option("--encoding <encoding>", "arrow (default: Arrow IPC, exact) or json (Foxglove decodes)")
  .option("--force", "overwrite the output file")
  .option("--info <file>", "summarise a recording instead: dataflow, duration, topics, counts")
  .option("--json", "with --info: print one JSON document")
  .addOption(portOption())
  .action((dataflow, opts) =>
    exec(async () => (await import("./lib/cli/record.ts")).record(dataflow, opts))
  );

program.command("replay")
  .description("run a recorded dataflow with its source nodes played back from the recording")
  .argument("<file>", "an MCAP file written by 'dora record' or 'dora run --record'")
  .option("--speed <factor>", "playback speed (default 1; 0: as fast as possible)")
  .option("--loop", "start the recording over when it ends, until Ctrl-C")
  .option("--replace <nodes>", "comma-separated nodes to play back (default: recorded sources)")
  .option("--dataflow <file>", "run this YAML instead of the one kept in the recording")
  .option("--record [file]", "record the replayed run too (MCAP)")
  .option("--output-yaml <file>", "write the replayed dataflow to a file instead of running it")
  .option("--grace-duration <duration>", "time nodes get to exit before SIGKILL (e.g. 5s)")
  .option("--log-level <level>", "show records from this level: stdout|trace|debug|info|warn|error")
  .option("--stop-after <duration>", "stop gracefully after this long (e.g. 30s), exit 0")
  .action((file, opts) =>
    exec(async () => (await import("./lib/cli/replay.ts")).replay(file, opts))
  );

// A replay's playback node: `dora _playback FILE --node ID` (started by `dora replay`).
program.command("_playback", { hidden: true })
  .argument("<file>")
  .requiredOption("--node <id>")
  .option("--speed <factor>")
  .option("--start <ns>")
  .option("--loop")
  .action((file, opts) =>
    exec(async () => (await import("./lib/replay/playback.ts")).playback(file, opts))
  );

program.command("up")
  .description("start the daemon in the background")
  .addOption(portOption())
  .action((opts) => exec(async () => (await import("./lib/cli/up.ts")).up(opts)));

program.command("daemon")
  .description("run the daemon in the foreground (for systemd); SIGTERM stops everything")
  .addOption(portOption())
  .option("--resurrect", "start the dataflows 'dora save' recorded")
  .addOption(new Option("--log-file <file>", "write the daemon log here, not stderr").hideHelp())
  .action((opts) => exec(async () => (await import("./lib/cli/daemon.ts")).daemon(opts)));

program.command("start")
  .description("start a dataflow in the background and print its UUID")
  .argument("[file]", "dataflow YAML", "dataflow.yml")
  .option("--name <name>", "a name to refer to the dataflow by")
  .option("--env <KEY=VALUE>", "environment variable for every node (repeatable)", collect, [])
  .option("--attach", "stream the logs; Ctrl-C stops the dataflow")
  .option("--detach", "return once started (the default)")
  .option("--hot-reload", "restart nodes whose files change ($DORA_HOT_RELOAD)")
  .option("--watch <patterns>", "comma-separated patterns to watch with --hot-reload")
  .addOption(
    new Option("--restart-policy <policy>", "override every node's restart policy")
      .choices(["never", "no", "on-failure", "always"]),
  )
  .option(
    "--exit-when-nodes-finish [bool]",
    "timer inputs do not keep a node whose data inputs closed (overrides the YAML)",
  )
  .option("--cpu-limit <cpus>", "CPU limit per node, e.g. 2.0")
  .option("--memory-limit <size>", "memory limit per node, e.g. 4G")
  .option("--json", "print the result as JSON")
  .addOption(portOption())
  .action((file, opts) => exec(async () => (await import("./lib/cli/start.ts")).start(file, opts)));

program.command("list")
  .alias("ls")
  .alias("ps")
  .description("list running dataflows, or show one dataflow's nodes")
  .argument("[dataflow]", "UUID, short id, UUID prefix or name")
  .option("-a, --all", "finished dataflows too")
  .option("--json", "print a JSON document (see docs/api.md)")
  .option("-q, --quiet", "print only UUIDs")
  .addOption(portOption())
  .action((dataflow, opts) =>
    exec(async () => (await import("./lib/cli/list.ts")).list(dataflow, opts))
  );

program.command("logs")
  .description("show a dataflow's logs, all nodes merged by time")
  .argument("<dataflow>", "UUID, short id, UUID prefix or name")
  .argument("[node]", "only this node (same as --node)")
  .option("--node <id>", "only this node")
  .option("--tail <n>", "only the last N lines")
  .option("-f, --follow", "keep printing new lines until the dataflow ends or Ctrl-C")
  .option("--since <duration>", "only lines newer than this (e.g. 10m, 2h)")
  .option("--until <duration>", "only lines older than this (e.g. 5m)")
  .option("--level <level>", "only records from this level: stdout|trace|debug|info|warn|error")
  .option("--grep <text>", "only lines containing this text (any case)")
  .option("--json", "one JSON object per line")
  .addOption(portOption())
  .action((dataflow, node, opts) =>
    exec(async () => (await import("./lib/cli/logs.ts")).logs(dataflow, node, opts))
  );

program.command("stop")
  .description("stop a dataflow gracefully and wait until it has ended")
  .argument("[dataflow...]", "UUID, short id, UUID prefix or name (none: pick one)")
  .option("--all", "stop every running dataflow")
  .option("--name <name>", "the dataflow's name")
  .option("--force", "kill at once (SIGKILL) ($DORA_FORCE_STOP)")
  .option("--grace-duration <duration>", "time nodes get before SIGKILL ($DORA_STOP_TIMEOUT)")
  .option("--json", "print the result as JSON")
  .addOption(portOption())
  .action((dataflow, opts) =>
    exec(async () => (await import("./lib/cli/stop.ts")).stop(dataflow, opts))
  );

program.command("dashboard")
  .description("print a one-time link to the daemon's web dashboard")
  .option("--open", "open the dashboard in the browser")
  .addOption(portOption())
  .action((opts) => exec(async () => (await import("./lib/cli/dashboard.ts")).dashboard(opts)));

program.command("destroy")
  .alias("down")
  .description("stop every dataflow, then the daemon")
  .option("--force", "kill the nodes at once (SIGKILL) ($DORA_FORCE_STOP)")
  .option("--grace-duration <duration>", "time nodes get before SIGKILL ($DORA_STOP_TIMEOUT)")
  .addOption(portOption())
  .action((opts) => exec(async () => (await import("./lib/cli/destroy.ts")).destroy(opts)));

const dataflowOption = () =>
  new Option(
    "-d, --dataflow <dataflow>",
    "UUID, UUID prefix or name (default: the only one running)",
  );

program.command("foxglove")
  .description("serve a running dataflow to Foxglove over its WebSocket protocol (live topics)")
  .addOption(dataflowOption())
  .option("--ws-port <port>", "the WebSocket port on 127.0.0.1 (default 8765; 0: any free port)")
  .addOption(portOption())
  .action((opts) => exec(async () => (await import("./lib/cli/foxglove.ts")).foxglove(opts)));

const topic = program.command("topic")
  .description("see and send the messages of a running dataflow's outputs");
topic.command("list")
  .description("every output with its subscribers, message count, rate and drops")
  .addOption(dataflowOption())
  .option("--window <duration>", "how long to count messages for the rate (default 1s)")
  .option("--json", "one JSON object per topic and line")
  .addOption(portOption())
  .action((opts) => exec(async () => (await import("./lib/cli/topic.ts")).topicList(opts)));
topic.command("echo")
  .description("print the messages of outputs as they pass")
  .argument("[topics...]", "NODE/OUTPUT (default: every output)")
  .addOption(dataflowOption())
  .option("--raw", "show the payload's bytes instead of its decoded value")
  .option("--count <n>", "stop after N messages")
  .option("--duration <duration>", "stop after this long (e.g. 10s)")
  .option("--json", "one JSON object per message and line")
  .addOption(portOption())
  .action((topics, opts) =>
    exec(async () => (await import("./lib/cli/topic_stream.ts")).topicEcho(topics, opts))
  );
topic.command("hz")
  .description("message rate and interval statistics, reported every second")
  .argument("[topics...]", "NODE/OUTPUT (default: every output)")
  .addOption(dataflowOption())
  .option("--window <duration>", "statistics over this sliding window (default 10s)")
  .option("--count <n>", "stop after N reports")
  .option("--duration <duration>", "stop after this long")
  .option("--json", "one JSON object per topic and report")
  .addOption(portOption())
  .action((topics, opts) =>
    exec(async () => (await import("./lib/cli/topic_stream.ts")).topicHz(topics, opts))
  );
topic.command("info")
  .description("type, publisher, subscribers, rate and bandwidth of one output")
  .argument("<topic>", "NODE/OUTPUT")
  .addOption(dataflowOption())
  .option("--duration <duration>", "how long to listen (default 5s)")
  .option("--json", "print one JSON document")
  .addOption(portOption())
  .action((name, opts) =>
    exec(async () => (await import("./lib/cli/topic.ts")).topicInfo(name, opts))
  );
topic.command("pub")
  .description("send a message on an output, as if its node had sent it")
  .argument("<topic>", "NODE/OUTPUT")
  .argument("[json]", "the message, as JSON (or --file)")
  .addOption(dataflowOption())
  .option("--file <file>", "read the message's JSON from a file")
  .option("--type <kind>", "json (default), text, bytes, int8...uint64, float32, float64")
  .option("--params <json>", "metadata parameters, a JSON object")
  .option("--count <n>", "send it N times (default 1)")
  .option("--rate <hz>", "messages per second when sending several (default 10; 0: at once)")
  .option("--duration <duration>", "keep sending for this long")
  .option("--json", "print the result as JSON")
  .addOption(portOption())
  .action((name, json, opts) =>
    exec(async () => (await import("./lib/cli/topic_stream.ts")).topicPub(name, json, opts))
  );

program.command("top")
  .description("live view of every running node: CPU, memory, queues, drops, message rates")
  .addOption(dataflowOption())
  .option("--once", "print one snapshot (a table, or --json) and exit")
  .option("--refresh-interval <duration>", "time between updates (default 1s, at least 1s)")
  .addOption(
    new Option("--sort <key>", "sort by (default cpu)")
      .choices(["name", "cpu", "memory", "in", "out", "drops", "queue", "restarts"]),
  )
  .option("--json", "with --once: print the rows as JSON")
  .addOption(portOption())
  .action((opts) => exec(async () => (await import("./lib/cli/top.ts")).top(opts)));

const node = program.command("node").description("the nodes of running dataflows");
node.command("list")
  .description("nodes with status, pid, CPU, memory and restarts (default: every running dataflow)")
  .addOption(dataflowOption())
  .option("-q, --quiet", "print only node ids")
  .option("--json", "one JSON object per node and line")
  .addOption(portOption())
  .action((opts) => exec(async () => (await import("./lib/cli/node.ts")).nodeList(opts)));
node.command("info")
  .description("one node: status, metrics, limits, last exit, inputs, outputs, rates, parameters")
  .argument("<node>", "node id")
  .addOption(dataflowOption())
  .option("--window <duration>", "how long to count messages for the rates (default 1s)")
  .option("--json", "print one JSON document")
  .addOption(portOption())
  .action((id, opts) => exec(async () => (await import("./lib/cli/node.ts")).nodeInfo(id, opts)));
node.command("restart")
  .description("stop one node (STOP, then SIGTERM/SIGKILL) and start it again")
  .argument("<node>", "node id")
  .addOption(dataflowOption())
  .option("--grace <duration>", "time it gets to exit before SIGKILL ($DORA_STOP_TIMEOUT)")
  .option("--json", "print the node as JSON")
  .addOption(portOption())
  .action((id, opts) =>
    exec(async () => (await import("./lib/cli/node.ts")).nodeAction("restart", id, opts))
  );
node.command("stop")
  .description("stop one node; the rest of the dataflow runs on")
  .argument("<node>", "node id")
  .addOption(dataflowOption())
  .option("--grace <duration>", "time it gets to exit before SIGKILL ($DORA_STOP_TIMEOUT)")
  .option("--force", "kill it at once")
  .option("--json", "print the node as JSON")
  .addOption(portOption())
  .action((id, opts) =>
    exec(async () => (await import("./lib/cli/node.ts")).nodeAction("stop", id, opts))
  );

program.command("restart")
  .description("stop a dataflow and start it again from its stored descriptor, same name")
  .argument("[dataflow]", "UUID, UUID prefix or name (default: the only one running)")
  .addOption(dataflowOption().hideHelp())
  .option("--grace-duration <duration>", "time nodes get before SIGKILL ($DORA_STOP_TIMEOUT)")
  .option("--force", "kill the nodes at once instead of stopping them")
  .option("--json", "print the start result as JSON")
  .addOption(portOption())
  .action((ref, opts) =>
    exec(async () => (await import("./lib/cli/restart.ts")).restart(ref, opts))
  );

program.command("param")
  .description("runtime parameters of a node: list, get, set (JSON) or delete")
  .argument("<action>", "list | get | set | delete")
  .argument("<node>", "node id")
  .argument("[key]", "parameter key")
  .argument("[value]", "JSON value (set)")
  .addOption(dataflowOption())
  .option("--json", "print JSON")
  .addOption(portOption())
  .action((action, id, key, value, opts) =>
    exec(async () => (await import("./lib/cli/param.ts")).param(action, id, key, value, opts))
  );

program.command("status")
  .description("the daemon, its dataflows, this user's dora runs and their data planes' health")
  .option("--json", "print one JSON document")
  .addOption(portOption())
  .action((opts) => exec(async () => (await import("./lib/cli/status.ts")).status(opts)));

program.command("doctor")
  .description("check python3, pyarrow, Deno, /dev/shm, cgroups, the daemon and a dataflow file")
  .argument("[file]", "dataflow YAML to check (default: ./dataflow.yml when there is one)")
  .option("--json", "print the checks as JSON")
  .addOption(portOption())
  .action((file, opts) =>
    exec(async () => (await import("./lib/cli/doctor.ts")).doctor(file, opts))
  );

program.command("save")
  .description("record the running dataflows, for 'dora resurrect' after a reboot")
  .option("--force", "save even an empty list over a non-empty one")
  .addOption(portOption())
  .action((opts) => exec(async () => (await import("./lib/cli/save.ts")).save(opts)));

program.command("resurrect")
  .description("start every saved dataflow that is not running")
  .addOption(portOption())
  .action((opts) => exec(async () => (await import("./lib/cli/save.ts")).resurrect(opts)));

program.command("startup")
  .description("write a systemd unit that runs 'dora daemon --resurrect' at boot")
  .option("--user", "a user unit (~/.config/systemd/user), not a system one")
  .option("--print", "print the unit instead of writing it")
  .addOption(portOption())
  .action((opts) => exec(async () => (await import("./lib/cli/startup.ts")).startup(opts)));

program.command("unstartup")
  .description("remove the systemd unit 'dora startup' wrote")
  .option("--user", "the user unit")
  .action((opts) => exec(async () => (await import("./lib/cli/startup.ts")).unstartup(opts)));

program.command("completion")
  .description("print a shell completion script (bash, zsh, fish, powershell)")
  .argument("[shell]", "the shell (default: from $SHELL)")
  .action((shell) =>
    exec(async () => (await import("./lib/cli/completion.ts")).completion(program, shell))
  );

// What the completion scripts call: `dora complete -- <words>`.
program.command("complete", { hidden: true })
  .argument("[words...]")
  .allowUnknownOption()
  .helpOption(false)
  .action((words) =>
    exec(async () => (await import("./lib/cli/completion.ts")).complete(program, words))
  );

function report(err: unknown): number {
  // A reader that went away (`| head`) is not an error: the command just ends.
  if (err instanceof Deno.errors.BrokenPipe) Deno.exit(0);
  if (err instanceof CommanderError) {
    if (
      err.code === "commander.helpDisplayed" || err.code === "commander.version" ||
      err.code === "commander.help"
    ) return 0;
    if (err.code === "commander.executeSubCommandAsync") return err.exitCode;
    // commander already printed its message; usage errors exit 2.
    return 2;
  }
  const debug = ["1", "true", "yes"].includes((Deno.env.get("DORA_DEBUG") ?? "").toLowerCase());
  if (err instanceof DoraError) {
    console.error(`Error: ${err.message}`);
    for (const line of err.details) console.error(line);
    if (debug && err.stack) console.error(err.stack);
    return err.exitCode;
  }
  console.error(`Error: ${errorMessage(err)}`);
  if (debug && err instanceof Error && err.stack) console.error(err.stack);
  else console.error("(set DORA_DEBUG=1 for details)");
  return 1;
}

if (import.meta.main) {
  // Not for the daemon (systemd's journal is its stdout) nor for commands that own processes
  // (`run`, `build`): they must end through their own cleanup, never by a sudden exit.
  // `record` and `replay` must finish their file or their nodes too.
  if (!["daemon", "run", "build", "record", "replay", "_playback"].includes(Deno.args[0] ?? "")) {
    (await import("./lib/cli/pipe.ts")).exitWhenStdoutCloses();
  }
  try {
    if (Deno.args.length === 0) {
      program.outputHelp();
    } else {
      await program.parseAsync(Deno.args, { from: "user" });
    }
  } catch (err) {
    Deno.exitCode = report(err);
  }
}
