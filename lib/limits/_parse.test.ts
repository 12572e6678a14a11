import assert from "node:assert/strict";
import {
  cpuQuotaUs,
  groupName,
  joinCgroup,
  keyedValue,
  ownPath,
  parentDir,
  parseControllers,
  parseMounts,
  parseProcCgroup,
  safeName,
  shQuote,
  v1Mount,
  v2Mount,
} from "./_parse.ts";

// This test machine's shape: hybrid, v1 controllers, an empty v2 mount.
const HYBRID_MOUNTS = `tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0
cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
`;
const HYBRID_SELF = `9:name=systemd:/
4:memory:/process_api/b36f
3:cpuset:/
2:cpuacct:/
1:cpu:/
0::/
`;

Deno.test("parseMounts reads type, path and options, unescaping blanks", () => {
  const mounts = parseMounts(HYBRID_MOUNTS + "cgroup2 /mnt/my\\040cg cgroup2 rw 0 0\n");
  assert.equal(mounts.length, 8);
  assert.deepEqual(mounts[1], {
    source: "cgroup",
    path: "/sys/fs/cgroup/cpu",
    type: "cgroup",
    options: ["rw", "relatime", "cpu"],
  });
  assert.equal(mounts[7]!.path, "/mnt/my cg");
});

Deno.test("v1Mount matches the exact controller (cpu is not cpuset or cpuacct)", () => {
  const mounts = parseMounts(HYBRID_MOUNTS);
  assert.equal(v1Mount(mounts, "cpu"), "/sys/fs/cgroup/cpu");
  assert.equal(v1Mount(mounts, "memory"), "/sys/fs/cgroup/memory");
  const comounted = parseMounts("cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\n");
  assert.equal(v1Mount(comounted, "cpu"), "/sys/fs/cgroup/cpu,cpuacct");
  assert.equal(v1Mount(comounted, "memory"), undefined);
});

Deno.test("v2Mount prefers /sys/fs/cgroup, else the first cgroup2 mount", () => {
  assert.equal(v2Mount(parseMounts(HYBRID_MOUNTS)), "/sys/fs/cgroup/unified");
  const unified = parseMounts(
    "cgroup2 /other cgroup2 rw 0 0\ncgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n",
  );
  assert.equal(v2Mount(unified), "/sys/fs/cgroup");
  assert.equal(v2Mount(parseMounts("proc /proc proc rw 0 0\n")), undefined);
});

Deno.test("parseProcCgroup and ownPath: v2 entry and per-controller v1 paths", () => {
  const entries = parseProcCgroup(HYBRID_SELF);
  assert.equal(entries.length, 6);
  assert.equal(ownPath(entries), "/");
  assert.equal(ownPath(entries, "memory"), "/process_api/b36f");
  assert.equal(ownPath(entries, "cpu"), "/");
  const v2only = parseProcCgroup("0::/user.slice/user-1000.slice/session-2.scope\n");
  assert.equal(ownPath(v2only), "/user.slice/user-1000.slice/session-2.scope");
  assert.equal(ownPath(v2only, "memory"), undefined);
  // A path may contain ':'.
  assert.equal(parseProcCgroup("0::/a:b/c")[0]!.path, "/a:b/c");
  assert.deepEqual(parseProcCgroup("garbage\n\n"), []);
});

Deno.test("joinCgroup and parentDir", () => {
  assert.equal(joinCgroup("/sys/fs/cgroup/cpu", "/"), "/sys/fs/cgroup/cpu");
  assert.equal(joinCgroup("/sys/fs/cgroup/", "/a/b/"), "/sys/fs/cgroup/a/b");
  assert.equal(parentDir("/sys/fs/cgroup/a/b"), "/sys/fs/cgroup/a");
  assert.equal(parentDir("/a"), "/");
});

Deno.test("parseControllers and keyedValue", () => {
  assert.deepEqual(parseControllers("cpuset cpu io memory pids\n"), [
    "cpuset",
    "cpu",
    "io",
    "memory",
    "pids",
  ]);
  assert.deepEqual(parseControllers("\n"), []);
  const events = "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n";
  assert.equal(keyedValue(events, "oom_kill"), 2);
  assert.equal(keyedValue(events, "oom"), 3);
  assert.equal(keyedValue("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n", "oom_kill"), 1);
  assert.equal(keyedValue("oom_kill_disable 0\nunder_oom 0\n", "oom_kill"), undefined);
});

Deno.test("cpuQuotaUs: CPUs times the 100 ms period, at least 1 ms", () => {
  assert.equal(cpuQuotaUs(2), 200_000);
  assert.equal(cpuQuotaUs(0.2), 20_000);
  assert.equal(cpuQuotaUs(0.001), 1000);
});

Deno.test("groupName: dora-<uuid tail>-<node>, safe characters only", () => {
  assert.equal(
    groupName("0190a3b4-1111-7222-8333-444455556666", "camera"),
    "dora-444455556666-camera",
  );
  assert.equal(groupName("short", "my node/x"), "dora-short-my_node_x");
  assert.equal(safeName("..hidden"), "_hidden");
  assert.equal(safeName(""), "_");
  assert.equal(safeName("x".repeat(300)).length, 100);
});

Deno.test("shQuote survives single quotes", async () => {
  const word = "it's a /path with 'quotes'";
  const out = await new Deno.Command("/bin/sh", {
    args: ["-c", `printf %s ${shQuote(word)}`],
    stdout: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(out.stdout), word);
});
