/**
 * Supervision under the daemon: restart policies (crash once, crash forever → crash-loop guard),
 * `--restart-policy` overriding the YAML, and memory limits reported as OOM kills in `list`.
 */
import assert from "node:assert/strict";
import { dora, FIXTURES, makeHome, pollUntil } from "./helpers.ts";
import { daemonPid, grepUuids, listJson, teardown } from "./daemon_helpers.ts";

const D = `${FIXTURES}/daemon`;
const FAST = {
  DORA_RESTART_DELAY_MS: "50",
  DORA_RESTART_MAX_DELAY_MS: "200",
  DORA_RESTART_MAX_FAILURES: "3",
  DORA_RESTART_WINDOW_MS: "60000",
};

Deno.test("restart policies: a crash restarts; a crash loop ends Failed; list shows both", async () => {
  const home = await makeHome(FAST);
  try {
    const start = await dora(["start", `${D}/restarts.yml`], { env: home.env });
    assert.equal(start.code, 0, start.stderr);
    const uuid = grepUuids(start.stdout)[0]!;
    const info = await pollUntil("flaky steady and broken given up", async () => {
      const d = (await listJson(home)).find((x) => x.uuid === uuid);
      const flaky = d?.nodes.find((n) => n.id === "flaky");
      const broken = d?.nodes.find((n) => n.id === "broken");
      return flaky?.status === "Running" && flaky.restarts === 1 && broken?.status === "Failed"
        ? d
        : undefined;
    });
    const broken = info.nodes.find((n) => n.id === "broken")!;
    assert.equal(broken.restarts, 2, "3 failures in the window: 2 restarts, then give up");
    assert.match(broken.reason ?? "", /crash-loop/);
    assert.equal(info.status, "Running", "the rest of the dataflow keeps running");
    const detail = await dora(["list", uuid], { env: home.env });
    assert.match(detail.stdout, /flaky\s+Running\s+\d+\s+\d\d:\d\d:\d\d\s+1\s/);
    assert.match(detail.stdout, /broken\s+Failed\s+-\s+-\s+2\s+-\s+-\s+code 1/);
    assert.match(detail.stdout, /broken: .*crash-loop/);
    // A user's stop is never followed by a restart.
    assert.equal((await dora(["stop", uuid], { env: home.env })).code, 0);
    const after = (await listJson(home)).find((x) => x.uuid === uuid)!;
    assert.equal(after.status, "Stopped");
    assert.equal(after.nodes.find((n) => n.id === "flaky")!.restarts, 1);
  } finally {
    await teardown(home);
  }
});

Deno.test("--restart-policy never overrides the YAML; a bad policy is a usage error", async () => {
  const home = await makeHome(FAST);
  try {
    const bad = await dora(["start", `${D}/restarts.yml`], {
      env: { ...home.env, DORA_RESTART_POLICY: "sometimes" },
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid DORA_RESTART_POLICY 'sometimes'/);
    const start = await dora(["start", `${D}/restarts.yml`, "--restart-policy", "never"], {
      env: home.env,
    });
    assert.equal(start.code, 0, start.stderr);
    const uuid = grepUuids(start.stdout)[0]!;
    const info = await pollUntil("both ended", async () => {
      const d = (await listJson(home)).find((x) => x.uuid === uuid);
      return d && d.status !== "Running" ? d : undefined;
    });
    assert.equal(info.status, "Failed");
    assert.deepEqual(info.nodes.map((n) => n.restarts), [0, 0]);
  } finally {
    await teardown(home);
  }
});

Deno.test("a node over its memory limit is OOM-killed and reported; limits show in list", async () => {
  const home = await makeHome();
  try {
    const start = await dora(["start", `${D}/limits.yml`, "--cpu-limit", "1.5"], {
      env: home.env,
    });
    assert.equal(start.code, 0, start.stderr);
    const uuid = grepUuids(start.stdout)[0]!;
    const hog = await pollUntil("hog ends", async () => {
      const d = (await listJson(home)).find((x) => x.uuid === uuid);
      const node = d?.nodes.find((n) => n.id === "hog");
      return node && node.status !== "Running" ? node : undefined;
    }, 60_000);
    const info = (await listJson(home)).find((x) => x.uuid === uuid)!;
    const calm = info.nodes.find((n) => n.id === "calm")!;
    if (/not enforced/.test(hog.limits ?? "")) {
      // No cgroup here: the warning was given and the hog ran to the end.
      assert.match(start.stderr, /Warning: .*not enforced/);
      assert.equal(hog.status, "Succeeded");
      return;
    }
    assert.equal(hog.status, "Failed");
    assert.equal(hog.signal, "SIGKILL");
    assert.match(hog.reason ?? "", /OOM-killed/);
    assert.match(hog.limits ?? "", /^memory 64M, cpu 1\.5 — cgroup v[12]$/);
    assert.match(calm.limits ?? "", /^cpu 1\.5 — cgroup v[12]$/);
    const detail = await dora(["list", uuid], { env: home.env });
    assert.match(detail.stdout, /Limits:\n {2}hog: memory 64M, cpu 1\.5 — cgroup v\d/);
    assert.match(detail.stdout, /hog: OOM-killed/);
  } finally {
    await teardown(home);
  }
});

/** CPU ticks (user + system) of a process, from /proc. */
function cpuTicks(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

Deno.test("an idle daemon supervising quiet nodes stays near 0% CPU", async () => {
  const home = await makeHome();
  try {
    const start = await dora(["start", `${D}/quiet.yml`], { env: home.env });
    assert.equal(start.code, 0, start.stderr);
    const uuid = grepUuids(start.stdout)[0]!;
    await pollUntil(
      "running",
      async () =>
        (await listJson(home)).find((d) => d.uuid === uuid)?.nodes.every((n) => n.pid !== null),
    );
    const pid = (await daemonPid(home))!;
    // A measurement window, not a synchronisation: nobody lists meanwhile.
    const before = cpuTicks(pid);
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const seconds = (performance.now() - started) / 1000;
    const percent = (cpuTicks(pid) - before) / seconds; // ticks are 1/100 s
    assert.ok(percent < 5, `daemon used ${percent.toFixed(1)}% CPU while idle`);
  } finally {
    await teardown(home);
  }
});
