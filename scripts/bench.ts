/**
 * `deno task bench`: data-plane latency (p50/p99, half a round trip) and throughput for
 * payloads of 8 B to 4 MiB, TypeScript→TypeScript and Python→Python through the daemon's
 * broker, next to baselines measured in the same run: one raw Unix-socket hop between two
 * Deno processes, and the same through a do-nothing Deno relay (the floor for a Deno daemon in
 * the middle). Prints markdown tables.
 *
 * It runs the nodes of examples/benchmark/ on the real data plane (createDataPlane + real
 * processes), in a temporary DORA_HOME. Then the cost of a tap: the TypeScript benchmark under
 * `dora run` with no tap and with one `dora topic echo` attached (bench_tap.ts). `--quick` runs
 * fewer iterations.
 */
import { startRunFile } from "../tests/fixtures/dataplane/harness.ts";
import { pollUntil } from "../tests/helpers.ts";
import { benchRun } from "./bench_tap.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const SIZES = [8, 4096, 65536, 1 << 20, 4 << 20];
const quick = Deno.args.includes("--quick");

interface Latency {
  p50: number;
  p99: number;
}

function records(text: string): Record<string, number>[] {
  return text.split("\n").filter((l) => l.startsWith("@")).map((l) => JSON.parse(l.slice(1)));
}

function itersFor(size: number): number {
  const n = size <= 65536 ? 2000 : size <= 1 << 20 ? 300 : 100;
  return quick ? Math.max(20, Math.floor(n / 10)) : n;
}

function countFor(size: number): number {
  // Enough messages for a stable rate, bounded in memory (they may all be queued at once).
  const n = Math.max(40, Math.min(quick ? 5000 : 30000, Math.floor((256 << 20) / size)));
  return n;
}

async function dataflow(
  lang: "ts" | "py",
  env: Record<string, string>,
): Promise<Record<string, number>[]> {
  const file = `${ROOT}/examples/benchmark/${
    lang === "ts" ? "dataflow.yml" : "dataflow_python.yml"
  }`;
  // Payload files in tmpfs, as in real use (tests put them in their temp HOME instead).
  const run = await startRunFile(file, { env: { DORA_SHM_DIR: "/dev/shm", ...env } });
  try {
    const statuses = await run.waitAll(300_000);
    for (const [id, status] of statuses) {
      if (status.code !== 0) {
        throw new Error(`${lang} ${id} failed (${status.code}):\n${run.procs.get(id)!.stderr()}`);
      }
    }
    return [...records(run.out("ping")), ...records(run.out("pong"))];
  } finally {
    await run.cleanup();
  }
}

async function planeLatency(lang: "ts" | "py"): Promise<Map<number, Latency>> {
  const out = new Map<number, Latency>();
  for (const size of SIZES) {
    const [r] = await dataflow(lang, {
      BENCH_MODE: "latency",
      BENCH_SIZES: String(size),
      BENCH_ITERS: String(itersFor(size)),
    });
    out.set(size, { p50: r!.p50!, p99: r!.p99! });
  }
  return out;
}

async function planeThroughput(lang: "ts" | "py", size: number): Promise<number> {
  const results = await dataflow(lang, {
    BENCH_MODE: "throughput",
    BENCH_SIZES: String(size),
    BENCH_COUNT: String(countFor(size)),
  });
  return results.find((r) => "rate" in r)?.rate ?? 0;
}

/** Waits (bounded) until a process has created its socket. */
const socketReady = (path: string) =>
  pollUntil(`${path} to appear`, () => Deno.stat(path).then(() => true), 10_000, 25);

function baselineCommand(args: string[], stdout: "piped" | "null" = "piped"): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/scripts/bench_baseline.ts`, ...args],
    stdout,
    stderr: "inherit",
  });
}

/**
 * Runs the raw-socket server and a client once; returns the client's or server's record. With
 * `relayed`, a do-nothing relay process sits between them (two hops each way, like the daemon).
 */
async function baseline(
  mode: "latency" | "throughput",
  size: number,
  n: number,
  relayed = false,
) {
  const dir = await Deno.makeTempDir({ prefix: "dora-bench-" });
  const socket = `${dir}/s.sock`;
  const server = baselineCommand(["serve", socket]).spawn();
  const serverOut = (async () => {
    let text = "";
    const decoder = new TextDecoder();
    for await (const chunk of server.stdout) text += decoder.decode(chunk, { stream: true });
    return text;
  })();
  let relay: Deno.ChildProcess | undefined;
  try {
    await socketReady(socket);
    let target = socket;
    if (relayed) {
      target = `${dir}/r.sock`;
      relay = baselineCommand(["relay", target, socket], "null").spawn();
      await socketReady(target);
    }
    const client = await baselineCommand([mode, target, String(size), String(n)]).output();
    const clientText = new TextDecoder().decode(client.stdout);
    await server.status;
    const text = mode === "latency" ? clientText : await serverOut;
    return records(text)[0]!;
  } finally {
    for (const child of [server, relay]) {
      if (!child) continue;
      try {
        child.kill("SIGKILL");
      } catch {
        // exited already
      }
      await child.status;
    }
    await Deno.remove(dir, { recursive: true });
  }
}

function human(size: number): string {
  if (size >= 1 << 20) return `${size / (1 << 20)} MiB`;
  if (size >= 1024) return `${size / 1024} KiB`;
  return `${size} B`;
}

const us = (v: number | undefined) => (v === undefined ? "-" : v.toFixed(v < 100 ? 1 : 0));
const rate = (
  v: number | undefined,
) => (v === undefined ? "-" : Math.round(v).toLocaleString("en"));

const started = performance.now();
const log = (text: string) =>
  console.error(`[${((performance.now() - started) / 1000).toFixed(0)}s] ${text}`);

log("baseline: raw Unix-socket hop between two Deno processes, direct and through a relay");
const base = new Map<number, { lat: Latency; relay: Latency; rate: number }>();
for (const size of SIZES) {
  const lat = await baseline("latency", size, itersFor(size));
  const relayed = await baseline("latency", size, itersFor(size), true);
  const thr = await baseline("throughput", size, countFor(size));
  base.set(size, {
    lat: { p50: lat.p50!, p99: lat.p99! },
    relay: { p50: relayed.p50!, p99: relayed.p99! },
    rate: thr.rate!,
  });
}
const lat = new Map<string, Map<number, Latency>>();
const thr = new Map<string, Map<number, number>>();
for (const lang of ["ts", "py"] as const) {
  log(`${lang}: latency`);
  lat.set(lang, await planeLatency(lang));
  const rates = new Map<number, number>();
  for (const size of SIZES) {
    log(`${lang}: throughput ${human(size)}`);
    rates.set(size, await planeThroughput(lang, size));
  }
  thr.set(lang, rates);
}

log("ts via dora run: latency with no tap, then with one topic echo attached");
const tapEnv = (echo: boolean) =>
  benchRun({
    BENCH_MODE: "latency",
    BENCH_SIZES: SIZES.join(","),
    ...(quick ? { BENCH_ITERS: "200" } : {}),
  }, echo);
const tapLatency = { none: await tapEnv(false), echo: await tapEnv(true) };
const tapRate = new Map<number, { none: number; echo: number; dropped: number }>();
for (const size of [8, 65536]) {
  log(`ts via dora run: throughput ${human(size)}, no tap / one echo`);
  const env = {
    BENCH_MODE: "throughput",
    BENCH_SIZES: String(size),
    BENCH_COUNT: String(countFor(size)),
  };
  const none = await benchRun(env, false);
  const echo = await benchRun(env, true);
  const rateOf = (r: typeof none) => r.records.find((x) => "rate" in x)?.rate ?? 0;
  tapRate.set(size, { none: rateOf(none), echo: rateOf(echo), dropped: echo.dropped });
}

const cpu = Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.*)/)?.[1] ?? "?";
console.log(
  `Data plane benchmark (${navigator.hardwareConcurrency} CPUs, ${cpu}, Deno ${Deno.version.deno}` +
    `${quick ? ", --quick" : ""})\n`,
);
console.log("Latency: half a round trip ping → daemon → pong → daemon → ping, in µs.\n");
console.log(
  "| payload | TS→TS p50 | TS→TS p99 | Py→Py p50 | Py→Py p99 | raw hop p50 | raw hop p99 " +
    "| raw relay p50 | raw relay p99 |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const size of SIZES) {
  const t = lat.get("ts")!.get(size);
  const p = lat.get("py")!.get(size);
  const b = base.get(size)!.lat;
  const r = base.get(size)!.relay;
  console.log(
    `| ${human(size)} | ${us(t?.p50)} | ${us(t?.p99)} | ${us(p?.p50)} | ${us(p?.p99)} | ` +
      `${us(b.p50)} | ${us(b.p99)} | ${us(r.p50)} | ${us(r.p99)} |`,
  );
}
console.log("\nThroughput: messages per second received, sender sending as fast as it can.\n");
console.log("| payload | TS→TS msg/s | Py→Py msg/s | raw hop msg/s |");
console.log("|---|---|---|---|");
for (const size of SIZES) {
  console.log(
    `| ${human(size)} | ${rate(thr.get("ts")!.get(size))} | ${rate(thr.get("py")!.get(size))} | ` +
      `${rate(base.get(size)!.rate)} |`,
  );
}
console.log(
  "\nCost of a tap: TS→TS under `dora run`, with no tap and with one `dora topic echo ping/ping` " +
    "attached (decoding every message it is handed; stdout to /dev/null).\n",
);
console.log("| payload | no tap p50 | no tap p99 | one echo p50 | one echo p99 |");
console.log("|---|---|---|---|---|");
for (const size of SIZES) {
  const none = tapLatency.none.records.find((r) => r.size === size);
  const echo = tapLatency.echo.records.find((r) => r.size === size);
  console.log(
    `| ${human(size)} | ${us(none?.p50)} | ${us(none?.p99)} | ${us(echo?.p50)} | ${
      us(echo?.p99)
    } |`,
  );
}
console.log(
  "\n| payload | no tap msg/s | one echo msg/s | messages the echo dropped (not the dataflow) |",
);
console.log("|---|---|---|---|");
for (const [size, r] of tapRate) {
  console.log(`| ${human(size)} | ${rate(r.none)} | ${rate(r.echo)} | ${rate(r.dropped)} |`);
}
log("done");
