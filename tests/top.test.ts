// deno-lint-ignore-file no-regex-spaces
/**
 * `dora top` end to end: `--once` as a table and as JSON on the robot example, refusal without
 * a terminal, and the live view in a real terminal (a tmux pane): it draws, sorts on a key and
 * quits on `q`, restoring the screen. The same terminal shows `-d` defaulting to the only
 * running dataflow.
 */
import assert from "node:assert/strict";
import { dora, MAIN, pollUntil, type TestHome } from "./helpers.ts";
import { teardown } from "./daemon_helpers.ts";
import { ROBOT } from "./dashboard_helpers.ts";
import { daemonWith } from "./inspect_helpers.ts";
import { findProgram, ignoreWithout } from "./tools.ts";

const tmux = findProgram("tmux");

/** A command line running in a tmux pane of its own server, in `home`'s environment. */
class Pane {
  constructor(private readonly socket: string) {}

  static async start(home: TestHome, name: string, line: string): Promise<Pane> {
    const script = `${home.dir}/${name}.sh`;
    const exports = Object.entries({ ...home.env, DORA_COORDINATOR_ADDR: "", TERM: "xterm" })
      .map(([k, v]) => `export ${k}='${v.replaceAll("'", "'\\''")}'`).join("\n");
    await Deno.writeTextFile(
      script,
      `${exports}\n"${Deno.execPath()}" run -A "${MAIN}" ${line}\necho "EXIT=$?"\nsleep 120\n`,
    );
    const pane = new Pane(`${home.dir}/${name}.tmux`);
    await pane.tmux(["new-session", "-d", "-x", "150", "-y", "30", `sh ${script}`]);
    return pane;
  }

  async tmux(args: string[]): Promise<string> {
    const out = await new Deno.Command(tmux!, { args: ["-S", this.socket, ...args] }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout);
  }

  screen(): Promise<string> {
    return this.tmux(["capture-pane", "-p"]);
  }

  /** Polls until the screen matches `pattern`; returns the screen. */
  until(what: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    return pollUntil(
      what,
      async () => {
        const text = await this.screen();
        return pattern.test(text) ? text : undefined;
      },
      timeoutMs,
      100,
    );
  }

  async close(): Promise<void> {
    await this.tmux(["kill-server"]).catch(() => {});
  }
}

Deno.test("top: --once prints a snapshot; without a terminal the live view refuses", async () => {
  const { home, uuid } = await daemonWith(ROBOT, "robot", ["FRAMES=100000"]);
  const env = home.env;
  try {
    const table = await dora(["top", "--once", "--sort", "name"], { env });
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /^NODE\s+DATAFLOW\s+STATUS\s+PID\s+CPU%\s+MEM\s+RST\s+QUEUE\s+DROPS\s+IN\/s\s+OUT\/s\n/,
    );
    assert.match(
      table.stdout,
      /\ncamera\s+robot\s+Running\s+\d+\s+[\d.]+\s+\d+M\s+0\s+\d+\/10\s+0\s+[\d.]+\s+[\d.]+\n/,
    );
    const rows = JSON.parse((await dora(["top", "--once", "--json", "-d", uuid], { env })).stdout);
    assert.equal(rows.length, 3);
    const detector = rows.find((r: { node: string }) => r.node === "detector");
    assert.equal(detector.dataflow, "robot");
    assert.ok(detector.rate_in > 10 && detector.rate_in < 60, `in ${detector.rate_in}`);
    assert.ok(detector.rate_out > 10 && detector.rate_out < 60, `out ${detector.rate_out}`);
    assert.ok(detector.memory_bytes > 1_000_000);
    const live = await dora(["top"], { env });
    assert.equal(live.code, 2);
    assert.match(live.stderr, /^Error: 'dora top' needs a terminal\nFor one snapshot/);
    const bad = await dora(["top", "--once", "--refresh-interval", "100ms"], { env });
    assert.equal(bad.code, 2);
  } finally {
    await teardown(home);
  }
});

Deno.test({
  name: "top: the live view in a real terminal draws, sorts and quits; -d defaults there",
  ignore: ignoreWithout("tmux", tmux),
  fn: async () => {
    const { home } = await daemonWith(ROBOT, "robot", ["FRAMES=100000"]);
    const panes: Pane[] = [];
    try {
      const top = await Pane.start(home, "top", "top");
      panes.push(top);
      const first = await top.until(
        "top drawing the robot's nodes with rates",
        /dora top — 1 dataflow, 3 nodes[^]*CPU%▼[^]*detector\s+robot\s+Running\s+\d+[^\n]*\d+\.\d\s*\n/,
      );
      assert.match(first, /q quit/);
      await top.tmux(["send-keys", "n"]);
      const sorted = await top.until("sorted by name", /NODE▲/);
      const order = ["camera", "detector", "visualizer"].map((id) => sorted.indexOf(` ${id} `));
      assert.ok(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!)), sorted);
      await top.tmux(["send-keys", "q"]);
      const after = await top.until("top to exit", /EXIT=0/);
      assert.ok(!after.includes("dora top —"), "the alternate screen is gone");

      const echo = await Pane.start(home, "echo", "topic echo detector/bbox --count 1");
      panes.push(echo);
      const shown = await echo.until("echo without -d", /EXIT=\d/);
      assert.match(shown, /detector\/bbox  #1  float32\[5\][^]*EXIT=0/);
    } finally {
      for (const pane of panes) await pane.close();
      await teardown(home);
    }
  },
});
