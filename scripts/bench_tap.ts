/**
 * The cost of a tap, for `deno task bench`: the TypeScript benchmark run by the real CLI
 * (`dora run`), once with nobody looking and once with one `dora topic echo ping/ping` attached
 * (printing decoded values to /dev/null), through the run's control socket. `ping` waits for a
 * file the bench creates once the echo's tap is counted by the data plane, so every measured
 * message passes the tap.
 */
import { pollUntil } from "../tests/helpers.ts";
import { makeHome } from "../tests/helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const MAIN = `${ROOT}/main.ts`;
const decoder = new TextDecoder();

/** What one run measured: ping's/pong's `@` records, and how many messages the echo dropped. */
export interface TapRun {
  records: Record<string, number>[];
  dropped: number;
}

function records(stdout: string): Record<string, number>[] {
  return stdout.split("\n").map((l) => /^(?:ping|pong)\s*\| @(.*)$/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined).map((x) => JSON.parse(x));
}

/** Runs examples/benchmark/dataflow.yml with `env`; with `echo`, one echo is attached first. */
export async function benchRun(env: Record<string, string>, echo: boolean): Promise<TapRun> {
  const home = await makeHome({ DORA_SHM_DIR: "/dev/shm" });
  const wait = `${home.dir}/go`;
  const base = { ...home.env, ...env, BENCH_WAIT_FILE: wait, DORA_COORDINATOR_ADDR: "" };
  const run = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "run", `${ROOT}/examples/benchmark/dataflow.yml`],
    env: base,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const runOut = run.output();
  let tap: Deno.ChildProcess | undefined;
  try {
    const runs = `${home.doraHome}/run/runs`;
    const record = await pollUntil("the run's control socket", async () => {
      for await (const e of Deno.readDir(runs)) {
        if (e.name.endsWith(".json")) {
          return JSON.parse(await Deno.readTextFile(`${runs}/${e.name}`));
        }
      }
      return undefined;
    }, 60_000);
    if (echo) {
      tap = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "topic", "echo", "-d", record.uuid, "ping/ping"],
        env: base,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const client = Deno.createHttpClient({ proxy: { transport: "unix", path: record.socket } });
      const token = (await Deno.readTextFile(`${home.doraHome}/token`)).trim();
      await pollUntil("the echo's tap", async () => {
        const res = await fetch(`http://run/v1/dataflows/${record.uuid}/plane`, {
          client,
          headers: { authorization: `Bearer ${token}` },
        });
        return (await res.json()).taps === 1;
      }, 60_000);
      client.close();
    }
    await Deno.writeTextFile(wait, "go");
    const out = await runOut;
    if (!out.success) throw new Error(`dora run failed:\n${decoder.decode(out.stderr)}`);
    let dropped = 0;
    if (tap) {
      const text = decoder.decode((await tap.output()).stderr);
      dropped = Number(/(\d+) messages? not shown/.exec(text)?.[1] ?? 0);
    }
    return { records: records(decoder.decode(out.stdout)), dropped };
  } finally {
    try {
      tap?.kill("SIGKILL");
    } catch {
      // ended with the run
    }
    try {
      run.kill("SIGKILL");
    } catch {
      // ended
    }
    await runOut.catch(() => {});
    await home.cleanup();
  }
}
