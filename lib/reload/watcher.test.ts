/**
 * ReloadWatcher on the real filesystem: a temp folder, real inotify events. To show that some
 * change triggered nothing, a watched sentinel file is touched afterwards and the next call
 * must report only the sentinel (events arrive in order).
 */
import assert from "node:assert/strict";
import { DoraError } from "../errors.ts";
import { pollUntil } from "../../tests/helpers.ts";
import { ReloadWatcher, type ReloadWatcherOptions } from "./watcher.ts";

interface Harness {
  dir: string;
  watcher: ReloadWatcher;
  calls: string[][];
  /** Waits for call number `n` (1-based) and returns it. */
  call(n: number): Promise<string[]>;
  /** Touches a watched file and waits until a call reports exactly it. */
  sentinel(name?: string): Promise<void>;
  close(): Promise<void>;
}

let sentinels = 0;

async function watch(
  setup: (dir: string) => Promise<void> = async () => {},
  opts: Partial<ReloadWatcherOptions> = {},
): Promise<Harness> {
  const dir = await Deno.makeTempDir({ prefix: "dora-reload-" });
  await setup(dir);
  const calls: string[][] = [];
  const watcher = new ReloadWatcher({
    root: dir,
    debounceMs: 150,
    ...opts,
    onChange: async (files) => {
      calls.push(files);
      await opts.onChange?.(files);
    },
  });
  watcher.start();
  const h: Harness = {
    dir,
    watcher,
    calls,
    call: (n) => pollUntil(`reload call #${n}`, () => calls[n - 1], 15_000),
    sentinel: async (name = `zz-sentinel-${++sentinels}.py`) => {
      const before = calls.length;
      await Deno.writeTextFile(`${dir}/${name}`, "x");
      const got = await h.call(before + 1);
      assert.deepEqual(got, [name], `only the sentinel, in:\n${JSON.stringify(calls)}`);
    },
    close: async () => {
      await watcher.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  // The watch is in place once a first change is seen; start each test from a clean slate.
  await h.sentinel("zz-ready.py");
  calls.length = 0;
  return h;
}

Deno.test("a save through a temp file and a rename reports the final file", async () => {
  const h = await watch(async (dir) => await Deno.writeTextFile(`${dir}/processor.py`, "v1"));
  try {
    await Deno.writeTextFile(`${h.dir}/.processor.py.tmp`, "v2");
    await Deno.rename(`${h.dir}/.processor.py.tmp`, `${h.dir}/processor.py`);
    assert.deepEqual(await h.call(1), ["processor.py"]);
    await h.sentinel();
    assert.equal(h.calls.length, 2);
  } finally {
    await h.close();
  }
});

Deno.test("a vim-style save (probe file, backup by rename, new file) reports the file", async () => {
  const h = await watch(async (dir) => await Deno.writeTextFile(`${dir}/processor.py`, "v1"));
  try {
    const p = (name: string) => `${h.dir}/${name}`;
    await Deno.writeTextFile(p("4913"), "");
    await Deno.remove(p("4913"));
    await Deno.writeTextFile(p(".processor.py.swp"), "swap");
    await Deno.rename(p("processor.py"), p("processor.py~"));
    await Deno.writeTextFile(p("processor.py"), "v2");
    await Deno.remove(p("processor.py~"));
    await Deno.remove(p(".processor.py.swp"));
    assert.deepEqual(await h.call(1), ["processor.py"]);
    await h.sentinel();
  } finally {
    await h.close();
  }
});

Deno.test("an in-place write reports the file, in a subfolder too", async () => {
  const h = await watch(async (dir) => {
    await Deno.mkdir(`${dir}/nodes/camera`, { recursive: true });
    await Deno.writeTextFile(`${dir}/nodes/camera/main.py`, "v1");
  });
  try {
    const file = await Deno.open(`${h.dir}/nodes/camera/main.py`, { write: true });
    await file.write(new TextEncoder().encode("v2"));
    file.close();
    assert.deepEqual(await h.call(1), ["nodes/camera/main.py"]);
  } finally {
    await h.close();
  }
});

Deno.test("removing a watched file counts as a change", async () => {
  const h = await watch(async (dir) => await Deno.writeTextFile(`${dir}/old_node.py`, "v1"));
  try {
    await Deno.remove(`${h.dir}/old_node.py`);
    assert.deepEqual(await h.call(1), ["old_node.py"]);
  } finally {
    await h.close();
  }
});

Deno.test("a log file growing inside the folder triggers nothing, even when watching *", async () => {
  const h = await watch(async (dir) => await Deno.mkdir(`${dir}/logs`), { patterns: ["*"] });
  try {
    const log = await Deno.open(`${h.dir}/node.log`, { create: true, append: true });
    for (let i = 0; i < 50; i++) await log.write(new TextEncoder().encode(`line ${i}\n`));
    log.close();
    await Deno.writeTextFile(`${h.dir}/logs/camera.json`, "{}");
    await Deno.rename(`${h.dir}/node.log`, `${h.dir}/node.log.1`);
    await h.sentinel();
    assert.equal(h.calls.length, 1);
  } finally {
    await h.close();
  }
});

Deno.test("__pycache__ and other built-in ignores trigger nothing", async () => {
  const h = await watch();
  try {
    await Deno.mkdir(`${h.dir}/__pycache__`);
    await Deno.writeTextFile(`${h.dir}/__pycache__/processor.cpython-311.pyc`, "bytecode");
    await Deno.writeTextFile(`${h.dir}/__pycache__/weird.py`, "still ignored");
    await Deno.mkdir(`${h.dir}/.git`);
    await Deno.writeTextFile(`${h.dir}/.git/index.json`, "{}");
    await Deno.writeTextFile(`${h.dir}/recording.csv`, "a,b\n");
    await h.sentinel();
    assert.equal(h.calls.length, 1);
  } finally {
    await h.close();
  }
});

Deno.test("a burst of writes gives one call", async () => {
  const h = await watch(undefined, { debounceMs: 300 });
  try {
    for (let i = 0; i < 20; i++) {
      await Deno.writeTextFile(`${h.dir}/a.py`, `v${i}`);
      await Deno.writeTextFile(`${h.dir}/b.yaml`, `v: ${i}`);
    }
    assert.deepEqual(await h.call(1), ["a.py", "b.yaml"]);
    await h.sentinel();
    assert.equal(h.calls.length, 2);
  } finally {
    await h.close();
  }
});

Deno.test("writes during a slow onChange give exactly one more call", async () => {
  let release = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  let slow = false;
  const h = await watch(undefined, {
    onChange: async () => {
      if (slow) {
        slow = false;
        await gate;
      }
    },
  });
  const calls = h.calls;
  try {
    slow = true;
    await Deno.writeTextFile(`${h.dir}/first.py`, "1");
    await pollUntil("the slow call", () => calls.length === 1);
    for (let i = 0; i < 5; i++) {
      await Deno.writeTextFile(`${h.dir}/c.py`, `${i}`);
      await Deno.writeTextFile(`${h.dir}/d.py`, `${i}`);
    }
    await pollUntil("changes seen during the call", () => h.watcher.pendingCount === 2);
    assert.equal(calls.length, 1, "no second call while the first runs");
    release();
    await pollUntil("the follow-up call", () => calls.length === 2);
    assert.deepEqual(calls, [["first.py"], ["c.py", "d.py"]]);
    await Deno.writeTextFile(`${h.dir}/zz-last.py`, "x");
    await pollUntil("the sentinel call", () => calls.length === 3);
    assert.deepEqual(calls[2], ["zz-last.py"]);
  } finally {
    release();
    await h.close();
  }
});

Deno.test("--watch patterns replace the defaults", async () => {
  const h = await watch(async (dir) => await Deno.mkdir(`${dir}/config`), {
    patterns: ["config/*", "zz-*"],
  });
  try {
    await Deno.writeTextFile(`${h.dir}/processor.py`, "not watched now");
    await Deno.writeTextFile(`${h.dir}/config/params.txt`, "gain=2");
    assert.deepEqual(await h.call(1), ["config/params.txt"]);
    await h.sentinel();
  } finally {
    await h.close();
  }
});

Deno.test("the dora home inside the watched folder is ignored", async () => {
  const saved = Deno.env.get("DORA_HOME");
  let h: Harness | undefined;
  try {
    h = await watch(async (dir) => {
      Deno.env.set("DORA_HOME", `${dir}/.dora`);
      await Deno.mkdir(`${dir}/.dora/logs/df`, { recursive: true });
    });
    assert.ok(!h.watcher.matches(".dora/logs/df/state.json"));
    assert.ok(h.watcher.matches(".dora.py"));
    await Deno.writeTextFile(`${h.dir}/.dora/logs/df/state.json`, "{}");
    await Deno.writeTextFile(`${h.dir}/.dora/daemon.yaml`, "x: 1");
    await h.sentinel();
    assert.equal(h.calls.length, 1);
  } finally {
    if (saved === undefined) Deno.env.delete("DORA_HOME");
    else Deno.env.set("DORA_HOME", saved);
    await h?.close();
  }
});

Deno.test("watching a missing folder is a clear error", async () => {
  const missing = new ReloadWatcher({ root: "/nonexistent/dora-reload", onChange: () => {} });
  assert.throws(() => missing.start(), (err: unknown) => {
    assert.ok(err instanceof DoraError);
    assert.match(err.message, /Cannot watch '\/nonexistent\/dora-reload'.*no such folder/);
    return true;
  });
  await missing.close();
});

Deno.test("close drops a pending change and leaves no timer or watcher behind", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dora-reload-" });
  const calls: string[][] = [];
  // A long debounce keeps the change pending; the test sanitizers fail on a leaked timer.
  const watcher = new ReloadWatcher({
    root: dir,
    debounceMs: 60_000,
    maxWaitMs: 60_000,
    onChange: (files) => {
      calls.push(files);
    },
  });
  try {
    watcher.start();
    await pollUntil("the pending change", async () => {
      await Deno.writeTextFile(`${dir}/pending.py`, "x");
      return watcher.pendingCount === 1;
    });
  } finally {
    await watcher.close();
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual(calls, []);
});
