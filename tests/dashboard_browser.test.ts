/**
 * The dashboard and the graph page in a real browser: Debian's headless Chromium driven by
 * playwright-core (which never downloads a browser), asserting on what is rendered. The
 * screenshots go to `.cache/screenshots/` for people to look at (`DORA_UPDATE_SCREENSHOTS=1`
 * writes them to docs/, where the README shows them).
 */
import assert from "node:assert/strict";
import { chromium } from "../deps/playwright.ts";
import { dora, pollUntil, ROOT } from "./helpers.ts";
import { listJson, teardown } from "./daemon_helpers.ts";
import { dashboardLink, ROBOT, robotDaemon } from "./dashboard_helpers.ts";
import { findProgram, ignoreWithout } from "./tools.ts";

const CHROMIUM = findProgram("chromium");
const SHOTS = ["1", "true", "yes"].includes(Deno.env.get("DORA_UPDATE_SCREENSHOTS") ?? "")
  ? `${ROOT}/docs`
  : `${ROOT}/.cache/screenshots`;

/** A fresh profile in `dir`, flags that keep Chromium from talking to anyone. */
function launch(dir: string) {
  return chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM!,
    headless: true,
    viewport: { width: 1360, height: 980 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

Deno.test({
  name: "dashboard in Chromium: the robot's nodes, moving rates, logs, a working restart button",
  ignore: ignoreWithout("chromium", CHROMIUM),
  // playwright-core keeps its pipe to the browser until the browser is gone.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { home } = await robotDaemon();
    await Deno.mkdir(SHOTS, { recursive: true });
    const context = await launch(`${home.dir}/chromium`);
    try {
      const page = context.pages()[0] ?? await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (err) => errors.push(err.message));
      await page.goto(await dashboardLink(home));
      await page.waitForURL(/\/dashboard\/$/);

      for (const id of ["camera", "detector", "visualizer"]) {
        await page.locator(`#graph g.node[data-node="${id}"]`).waitFor();
        await page.locator(`#nodes tr[data-node="${id}"]`).waitFor();
      }
      assert.equal(await page.locator("#dataflow-status").innerText(), "Running");

      // Rates move: the edge says how many messages a second pass, the counters grow.
      const rate = page.locator('#graph g.edge[data-edge="detector/image"] .edge-rate');
      await pollUntil(
        "a rate on the camera → detector edge",
        async () => {
          const match = /^(\d+(?:\.\d)?) msg\/s/.exec(await rate.textContent() ?? "");
          return match && Number(match[1]) > 5;
        },
        30_000,
        200,
      );
      const received = page.locator(
        '#inputs tr[data-input="detector/image"] [data-col="received"]',
      );
      const first = Number(await received.innerText());
      await pollUntil(
        "the received count to grow",
        async () => Number(await received.innerText()) > first,
        10_000,
        200,
      );

      await page.locator("#logs .line", { hasText: /frame \d+: object at/ }).first().waitFor();
      await page.locator("#logs .line.stream-dora", { hasText: "started (pid" }).first().waitFor();
      // Two plots per node, and a few seconds of samples in them (for the picture only).
      assert.equal(await page.locator("#nodes .spark canvas").count(), 6);
      await new Promise((resolve) => setTimeout(resolve, 3000)); // for the picture only
      await page.screenshot({ path: `${SHOTS}/dashboard.png`, fullPage: true });

      // The restart button restarts the node: asked, confirmed, a new process.
      const row = page.locator('#nodes tr[data-node="detector"]');
      const pid = row.locator('[data-col="pid"]');
      const before = await pid.innerText();
      await row.getByRole("button", { name: "Restart" }).click();
      await page.locator("#confirm[open]").waitFor();
      assert.match(
        await page.locator("#confirm-text").innerText(),
        /^Restart node 'detector' of robot\?/,
      );
      await page.locator("#confirm-yes").click();
      await page.locator("#notice", { hasText: /Node 'detector' restarted \(pid \d+\)/ }).waitFor();
      const after = await pollUntil(
        "a new pid",
        async () => {
          const text = await pid.innerText();
          return /^\d+$/.test(text) && text !== before ? text : undefined;
        },
        20_000,
        200,
      );
      assert.equal(await row.locator('[data-col="restarts"]').innerText(), "1");
      const listed = (await listJson(home))[0]!.nodes.find((n) => n.id === "detector")!;
      assert.equal(String(listed.pid), after, "the page shows what `dora list` shows");
      await page.locator("#log-node").selectOption("detector");
      await page.locator("#logs .line", { hasText: "[dora] restarting for user request" })
        .waitFor();
      assert.deepEqual(errors, [], "no script errors on the page");

      // The graph page of `dora graph --html`, in the same browser.
      const html = `${home.dir}/robot.html`;
      const graph = await dora(["graph", ROBOT, "--html", html], { env: home.env });
      assert.equal(graph.code, 0, graph.stderr);
      await page.setViewportSize({ width: 1000, height: 420 });
      await page.goto(`file://${html}`);
      for (const id of ["camera", "detector", "visualizer"]) {
        assert.ok(await page.locator(`svg g.node[data-node="${id}"]`).isVisible(), id);
      }
      await page.screenshot({ path: `${SHOTS}/graph.png` });
      console.error(`screenshots: ${SHOTS}/dashboard.png, ${SHOTS}/graph.png`);
    } finally {
      await context.close();
      await teardown(home);
    }
  },
});
