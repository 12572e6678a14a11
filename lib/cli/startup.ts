/**
 * `dora startup [--user] [--print]` writes a systemd unit that runs `dora daemon --resurrect`
 * at boot (the dataflows `dora save` recorded come back), and says the `systemctl` commands
 * that enable it; `dora unstartup [--user]` removes it. dora never runs `systemctl` itself.
 *
 * KillMode=mixed: `systemctl stop` sends SIGTERM to the daemon, which stops every dataflow
 * gracefully; whatever is left when TimeoutStopSec runs out is killed, so no node outlives the
 * service. When the daemon dies, systemd restarts it and `--resurrect` starts the saved
 * dataflows again.
 */
import { callerSettings, doraHome } from "../config.ts";
import { DoraError } from "../errors.ts";
import { daemonTarget } from "../client/address.ts";
import { recordedDaemon } from "../client/launch.ts";
import { selfCommand } from "../relaunch.ts";

const UNIT = "dora.service";

/** Where the unit lives. */
export function unitDir(user: boolean): string {
  if (!user) return "/etc/systemd/system";
  const config = Deno.env.get("XDG_CONFIG_HOME") || `${Deno.env.get("HOME") ?? "/root"}/.config`;
  return `${config}/systemd/user`;
}

/** A word of ExecStart, quoted the way systemd reads it. */
function systemdWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `"${word.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function passwdEntry(user: string): { home: string } | undefined {
  try {
    for (const line of Deno.readTextFileSync("/etc/passwd").split("\n")) {
      const fields = line.split(":");
      if (fields[0] === user && fields[5]) return { home: fields[5] };
    }
  } catch {
    // no passwd file
  }
  return undefined;
}

/** Who the system unit runs as: the user behind `sudo`, else the caller. */
function serviceUser(): { name: string; home: string } {
  const sudoUser = Deno.env.get("SUDO_USER");
  const name = sudoUser || Deno.env.get("USER") || Deno.env.get("LOGNAME") || "root";
  const home = sudoUser
    ? passwdEntry(sudoUser)?.home ?? `/home/${sudoUser}`
    : Deno.env.get("HOME") ?? passwdEntry(name)?.home ?? "/root";
  return { name, home };
}

/** The unit's text. */
export function unitText(opts: { user: boolean; port?: number }): string {
  const target = daemonTarget(opts.port, { useRecorded: false });
  const portArgs = target.source === "default" ? [] : ["--port", String(target.port)];
  const { command, args } = selfCommand(["daemon", "--resurrect", ...portArgs]);
  const graceS = Math.ceil((callerSettings.stopTimeoutMs() ?? 10_000) / 1000);
  const who = serviceUser();
  // Under sudo, the home is the user's, not root's (unless DORA_HOME says otherwise).
  const dora = Deno.env.get("DORA_HOME") ||
    (opts.user ? doraHome() : `${who.home}/.dora`);
  const env = [
    ...(opts.user ? [] : [`HOME=${who.home}`]),
    `DORA_HOME=${dora}`,
    `PATH=${Deno.env.get("PATH") ?? "/usr/local/bin:/usr/bin:/bin"}`,
  ];
  return [
    "[Unit]",
    "Description=dora daemon: runs dataflows, brings back those 'dora save' recorded",
    "Documentation=https://dora-rs.ai",
    "After=network.target",
    "",
    "[Service]",
    "Type=simple",
    ...(opts.user ? [] : [`User=${who.name}`]),
    ...env.map((e) => `Environment=${systemdWord(e)}`),
    `ExecStart=${[command, ...args].map(systemdWord).join(" ")}`,
    "Restart=on-failure",
    "RestartSec=2",
    "KillMode=mixed",
    `TimeoutStopSec=${graceS + 20}`,
    "",
    "[Install]",
    `WantedBy=${opts.user ? "default.target" : "multi-user.target"}`,
    "",
  ].join("\n");
}

function systemctl(user: boolean): string {
  return user ? "systemctl --user" : Deno.uid() === 0 ? "systemctl" : "sudo systemctl";
}

/** Runs `dora startup`. */
export async function startup(
  opts: { user?: boolean; print?: boolean; port?: number },
): Promise<number> {
  const user = opts.user === true;
  const text = unitText({ user, port: opts.port });
  if (opts.print) {
    Deno.stdout.writeSync(new TextEncoder().encode(text));
    return 0;
  }
  const dir = unitDir(user);
  const path = `${dir}/${UNIT}`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(path, text, { mode: 0o644 });
  } catch (err) {
    if (err instanceof Deno.errors.PermissionDenied) {
      throw new DoraError(`Cannot write ${path}: permission denied`, [
        'A system unit needs root: sudo env PATH="$PATH" dora startup',
        "Or install a user unit: dora startup --user",
        "Or print it and install it yourself: dora startup --print",
      ]);
    }
    throw err;
  }
  const ctl = systemctl(user);
  console.log(`Wrote ${path}`);
  console.log("");
  console.log("To start the daemon at boot (and now), run:");
  console.log(`  ${ctl} daemon-reload`);
  console.log(`  ${ctl} enable --now dora`);
  if (user) {
    const name = Deno.env.get("USER") || Deno.env.get("LOGNAME") || "$USER";
    console.log(`  loginctl enable-linger ${name}   # start it at boot, without a login`);
  }
  const running = await recordedDaemon();
  if (running) {
    console.log("");
    console.log(
      `A daemon runs now (pid ${running.pid}): stop it first ('dora destroy'), or the unit's ` +
        "would find its port taken",
    );
  }
  console.log("");
  console.log("Then record what should come back: dora save");
  return 0;
}

/** Runs `dora unstartup`. */
export async function unstartup(opts: { user?: boolean }): Promise<number> {
  const user = opts.user === true;
  const dir = unitDir(user);
  const path = `${dir}/${UNIT}`;
  try {
    await Deno.lstat(path);
  } catch {
    console.log(`Nothing to remove: ${path} does not exist`);
    return 0;
  }
  try {
    await Deno.remove(path);
    // What `systemctl enable` made: the unit's links in *.wants/ folders.
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isDirectory || !entry.name.endsWith(".wants")) continue;
      await Deno.remove(`${dir}/${entry.name}/${UNIT}`).catch(() => {});
    }
  } catch (err) {
    if (err instanceof Deno.errors.PermissionDenied) {
      throw new DoraError(`Cannot remove ${path}: permission denied`, [
        "A system unit needs root: sudo dora unstartup",
      ]);
    }
    throw err;
  }
  const ctl = systemctl(user);
  console.log(`Removed ${path}`);
  console.log(`Run '${ctl} daemon-reload' so systemd forgets it`);
  console.log("A daemon it started keeps running until 'dora destroy'");
  return 0;
}
