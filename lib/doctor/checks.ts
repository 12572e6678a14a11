/**
 * What `dora doctor` looks at: the things dora users trip over. Each check says what it found
 * and, when something is wrong, how to fix it. `fail` is a problem (doctor exits 1); `warn` is
 * something only some dataflows need (pyarrow, limits, the daemon for `dora start`).
 */
import { settings, VERSION } from "../config.ts";
import { daemonTarget } from "../client/address.ts";
import { readToken } from "../api/token.ts";
import { probe } from "../client/client.ts";
import { countProblems, formatProblems, parseDataflow } from "../descriptor/mod.ts";
import type { Dataflow } from "../descriptor/types.ts";
import { errorMessage } from "../errors.ts";
import { chooseStrategies, parseCgroupOverride } from "../limits/choose.ts";
import { gatherFacts } from "../limits/detect.ts";
import { denoScriptCommand } from "../relaunch.ts";
import { nodeArgv, which } from "../runtime/command.ts";

/** One line of the report. */
export interface Check {
  status: "ok" | "warn" | "fail";
  title: string;
  /** Further lines (problems found). */
  details?: string[];
  /** What to do about it. */
  fix?: string;
}

const decoder = new TextDecoder();

async function output(cmd: string, args: string[]): Promise<{ ok: boolean; text: string }> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { PYTHONDONTWRITEBYTECODE: "1" },
    }).output();
    return {
      ok: out.success,
      text: (decoder.decode(out.stdout) + decoder.decode(out.stderr)).trim(),
    };
  } catch (err) {
    return { ok: false, text: errorMessage(err) };
  }
}

const PATH = () => Deno.env.get("PATH") ?? "/usr/bin:/bin";

/** python3 on PATH and its version (3.8 or newer). */
export async function checkPython(): Promise<{ check: Check; python?: string }> {
  const python = which("python3", PATH());
  if (!python) {
    return {
      check: {
        status: "fail",
        title: "python3 not found on PATH (Python nodes cannot run)",
        fix: "install Python 3.8 or newer, e.g. 'sudo apt install python3'",
      },
    };
  }
  const got = await output(python, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"]);
  const [major, minor] = got.text.split(".").map(Number);
  if (!got.ok || major !== 3 || (minor ?? 0) < 8) {
    return {
      check: {
        status: "fail",
        title: `${python} is Python ${got.text || "?"} (dora's Python nodes need 3.8 or newer)`,
        fix: "install Python 3.8 or newer and put it first on PATH as python3",
      },
      python,
    };
  }
  return { check: { status: "ok", title: `python3 ${got.text} (${python})` }, python };
}

/** Whether the Python module `name` imports, and its version. */
export async function checkModule(
  python: string | undefined,
  name: string,
  why: string,
  needed: string[],
): Promise<Check> {
  if (!python) return { status: "warn", title: `${name}: not checked (no python3)` };
  const got = await output(python, ["-c", `import ${name}; print(${name}.__version__)`]);
  if (got.ok) return { status: "ok", title: `${name} ${got.text.split("\n").pop()}` };
  const users = needed.length ? `; imported by ${needed.join(", ")}` : "";
  return {
    status: needed.length ? "fail" : "warn",
    title: `${name} not installed for ${python} (${why}${users})`,
    fix: `pip install ${name}  (in the environment your nodes use)`,
  };
}

/** The Deno that runs TypeScript nodes. */
export async function checkDeno(): Promise<Check> {
  const cmd = denoScriptCommand("node.ts", []);
  if (!Deno.build.standalone) {
    return {
      status: "ok",
      title: `Deno ${Deno.version.deno} for TypeScript nodes (this dora runs on it)`,
    };
  }
  const deno = cmd.command.includes("/") ? cmd.command : which(cmd.command, PATH());
  if (!deno) {
    return {
      status: "warn",
      title: "no Deno for TypeScript nodes (this dora is a compiled binary)",
      fix: "install Deno (https://deno.com) or set DORA_DENO=/path/to/deno",
    };
  }
  const got = await output(deno, ["--version"]);
  return got.ok
    ? { status: "ok", title: `${got.text.split("\n")[0]} for TypeScript nodes (${deno})` }
    : { status: "fail", title: `${deno} does not run: ${got.text}`, fix: "reinstall Deno" };
}

/** The shared-memory folder: a writable tmpfs with the sticky, world-writable mode. */
export async function checkShm(): Promise<Check> {
  const parent = settings.shmDir();
  const threshold = settings.shmThreshold();
  if (threshold === "off" || threshold === "false" || threshold === "no") {
    return {
      status: "warn",
      title: "shared memory is off (DORA_SHM_THRESHOLD=off): large payloads go through the socket",
    };
  }
  try {
    const info = await Deno.stat(parent);
    const mode = (info.mode ?? 0) & 0o7777;
    const dir = await Deno.makeTempDir({ dir: parent, prefix: "dora-doctor-" });
    await Deno.remove(dir);
    const note = parent === "/dev/shm" && mode !== 0o1777
      ? ` (mode ${mode.toString(8)}, usually 1777)`
      : "";
    return { status: "ok", title: `${parent} is writable for shared-memory payloads${note}` };
  } catch (err) {
    return {
      status: "fail",
      title: `${parent} cannot hold shared-memory payloads: ${errorMessage(err)}`,
      details: ["Payloads of 64 KiB and more then go through the socket (slower)."],
      fix: parent === "/dev/shm"
        ? "mount it: 'sudo mount -t tmpfs -o mode=1777 tmpfs /dev/shm' (in Docker: --shm-size)"
        : "point DORA_SHM_DIR at a writable tmpfs folder",
    };
  }
}

/** How `cpu_limit`/`memory_limit` would be enforced here. */
export async function checkLimits(): Promise<Check> {
  let forced;
  try {
    forced = parseCgroupOverride(settings.cgroup());
  } catch (err) {
    return { status: "fail", title: errorMessage(err), fix: "unset DORA_CGROUP or fix its value" };
  }
  const choice = chooseStrategies(await gatherFacts(), ["memory", "cpu"], forced);
  const best = choice.candidates[0];
  if (best && best.covers.length === 2) {
    const label = { v2: "cgroup v2", v1: "cgroup v1", systemd: "systemd-run" }[best.strategy];
    return { status: "ok", title: `resource limits enforced with ${label}` };
  }
  return {
    status: "warn",
    title: best
      ? `resource limits only partly enforced (${best.covers.join(", ")} with ${best.strategy})`
      : "resource limits (cpu_limit, memory_limit) cannot be enforced here",
    details: choice.reasons,
    fix: "run dora in a systemd user session (loginctl enable-linger), or delegate a cgroup v2 " +
      "subtree to this user",
  };
}

/** The daemon: ours and of this version, another's, or none. */
export async function checkDaemon(portFlag?: number): Promise<Check> {
  const { host, port } = daemonTarget(portFlag);
  const seen = await probe(host, port, await readToken());
  if (seen.kind === "ours") {
    const same = seen.status.version === VERSION;
    return {
      status: same ? "ok" : "fail",
      title:
        `daemon running on port ${port} (pid ${seen.status.pid}, version ${seen.status.version})`,
      fix: same ? undefined : "restart it to use one version: dora destroy && dora up",
    };
  }
  if (seen.kind === "none") {
    return {
      status: "warn",
      title: `no daemon on port ${port} (needed by 'dora start'; 'dora run' needs none)`,
      fix: "dora up",
    };
  }
  return {
    status: "fail",
    title: seen.kind === "other-owner"
      ? `the daemon on port ${port} belongs to another user or DORA_HOME`
      : `port ${port} is used by a program that is not a dora daemon`,
    fix: `use another port: dora up --port ${port + 1} (and DORA_DAEMON_PORT=${port + 1})`,
  };
}

/** The dataflow file: valid, and each node startable. */
export async function checkDataflow(
  file: string,
): Promise<{ checks: Check[]; dataflow?: Dataflow }> {
  let parsed;
  try {
    parsed = await parseDataflow(file);
  } catch (err) {
    return { checks: [{ status: "fail", title: errorMessage(err) }] };
  }
  if (!parsed.dataflow) {
    return {
      checks: [{
        status: "fail",
        title: `${file}: ${countProblems(parsed.problems.length)}`,
        details: formatProblems(parsed.problems).split("\n"),
        fix: `fix them, then check again with 'dora check ${file}'`,
      }],
    };
  }
  const dataflow = parsed.dataflow;
  const checks: Check[] = [{
    status: "ok",
    title: `${file}: valid, ${dataflow.nodes.length} node${dataflow.nodes.length === 1 ? "" : "s"}`,
  }];
  for (const node of dataflow.nodes) {
    if (node.kind === "dynamic") continue;
    try {
      nodeArgv(node, PATH());
    } catch (err) {
      checks.push({
        status: "fail",
        title: `node '${node.id}' cannot start: ${errorMessage(err)}`,
        fix: node.kind === "executable" ? "build it first ('dora build')" : undefined,
      });
    }
  }
  return { checks, dataflow };
}

/** Python node files of `dataflow` that import `module`. */
export async function importers(dataflow: Dataflow | undefined, module: string): Promise<string[]> {
  const found: string[] = [];
  const pattern = new RegExp(`^\\s*(import|from)\\s+${module}\\b`, "m");
  for (const node of dataflow?.nodes ?? []) {
    if (node.kind !== "python") continue;
    try {
      if (pattern.test(await Deno.readTextFile(node.program))) found.push(node.id);
    } catch {
      // unreadable: reported by the node check
    }
  }
  return found;
}
