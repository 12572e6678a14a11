/**
 * `dora daemon`: the daemon in the foreground. For systemd: logs to stderr (or `--log-file`,
 * which `dora up` uses), SIGTERM/SIGINT stop every dataflow gracefully, then exit 0.
 * `--resurrect` starts the dataflows `dora save` recorded once the registry is loaded.
 */
import { daemonLogLevel, doraHome, ensureDoraHome, VERSION } from "../config.ts";
import { errorMessage, UsageError } from "../errors.ts";
import { ensureToken } from "../api/token.ts";
import { daemonTarget } from "../client/address.ts";
import { checkDaemonSettings, portInUse, refuseSecondDaemon } from "../client/launch.ts";
import { Daemon } from "../daemon/daemon.ts";
import { createLogger } from "../daemon/logger.ts";
import { closeServer, type Handler, serve } from "../daemon/server.ts";
import { writeJsonAtomic } from "../daemon/state_file.ts";
import { supervisorFactory } from "../daemon/bind.ts";
import { daemonInspectHost } from "../daemon/inspect.ts";
import { BrokerTaps } from "../taps/broker_taps.ts";
import { inspectHandler, isInspectPath } from "../daemon/inspect_routes.ts";

/** Runs the daemon until destroyed or signalled. */
export async function daemon(
  opts: { port?: number; logFile?: string; resurrect?: boolean },
): Promise<number> {
  const target = daemonTarget(opts.port, { useRecorded: false });
  if (!target.local) {
    throw new UsageError(
      `DORA_COORDINATOR_ADDR names ${target.host}: a daemon listens on this machine only`,
      ["Give it --port N, or point DORA_COORDINATOR_ADDR at localhost"],
    );
  }
  const port = target.port;
  checkDaemonSettings();
  await ensureDoraHome("logs", "run");
  await refuseSecondDaemon(port);
  const log = createLogger(opts.logFile, daemonLogLevel());
  const token = await ensureToken();
  const taps = new BrokerTaps();
  const core = new Daemon(supervisorFactory(log, taps), log, {
    port,
    pid: Deno.pid,
    version: VERSION,
    startedAt: new Date().toISOString(),
  });

  // The dashboard (page and its control-API part) is loaded on its first request only.
  let dashboard: Promise<import("../dashboard/mod.ts").Dashboard> | undefined;
  const loadDashboard = () =>
    dashboard ??= import("../dashboard/mod.ts").then((m) => m.createDashboard(core, log));
  const inspect = inspectHandler(daemonInspectHost(core, taps));
  const handler: Handler = async (req) =>
    req.path[0] === "v1" && req.path[1] === "dashboard"
      ? await (await loadDashboard()).api(req)
      : isInspectPath(req.path)
      ? await inspect(req)
      : await core.handler(req);
  const mounts = [{
    prefix: "/dashboard",
    handle: async (request: Request) => await (await loadDashboard()).handle(request),
  }];

  let server: Deno.HttpServer;
  const abort = new AbortController();
  try {
    server = serve({ port, token, log, handler, mounts, signal: abort.signal });
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      log.error(`Port ${port} already in use`);
      throw portInUse(port);
    }
    throw err;
  }
  // Requests wait for `init`: `up` returns only once the registry is loaded and adopted.
  const pidFile = `${doraHome()}/daemon.json`;
  await writeJsonAtomic(pidFile, { pid: Deno.pid, port, version: VERSION });
  log.info(`dora daemon ${VERSION} (pid ${Deno.pid}) listening on 127.0.0.1:${port}`);
  await core.init();
  if (opts.resurrect) await core.resurrectAtStart();

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => {
      log.info(`received ${signal}: stopping every dataflow, then the daemon`);
      core.destroy(() => {});
    });
  }
  // Wait for a destroy (from the API or a signal), then let the last response finish.
  try {
    await core.shutdownDone;
  } catch (err) {
    log.error(`shutdown: ${errorMessage(err)}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  // Open dashboard pages hold streams: end them, or the server would wait for them forever.
  if (dashboard) (await dashboard).close();
  // Tap streams ended with their dataflows; one whose client stopped reading is cut.
  await closeServer(server, abort, () => taps.openStreams);
  await Deno.remove(pidFile).catch(() => {});
  log.info("daemon stopped");
  return 0;
}
