/**
 * `dora completion bash|zsh|fish`: scripts made by @bomb.sh/tab that call back `dora complete`,
 * which completes commands, flags, flag values and the names of running dataflows. Driven the
 * way a person uses it: Tab in an interactive bash in a real terminal.
 */
import assert from "node:assert/strict";
import { FIXTURES, makeHome } from "./helpers.ts";
import { teardown } from "./daemon_helpers.ts";
import { doraFunction, sh, Terminal } from "./shell_helpers.ts";

const BASH_COMPLETION = "/usr/share/bash-completion/bash_completion";
const hasBashCompletion = (() => {
  try {
    return Deno.statSync(BASH_COMPLETION).isFile;
  } catch {
    return false;
  }
})();

Deno.test("dora complete: commands, flags, choices and running dataflow names", async () => {
  const home = await makeHome();
  try {
    assert.equal(
      (await sh(home, `dora start ${FIXTURES}/daemon/long.yml --name robot-arm`)).code,
      0,
    );
    const ask = async (words: string) => (await sh(home, `dora complete -- ${words}`)).stdout;
    assert.match(await ask("st"), /^start\t.*\nstop\t.*\nstatus\t.*\nstartup\t.*\n:4\n$/);
    assert.match(await ask("stop ''"), /^robot-arm\tRunning [0-9a-f]+\n:4\n$/);
    assert.match(await ask("logs rob"), /^robot-arm\t/);
    assert.match(await ask("stop --name ''"), /^robot-arm\t/);
    assert.match(await ask("stop --gr"), /^--grace-duration\t/);
    assert.equal(
      await ask("start --restart-policy ''"),
      "never\t\nno\t\non-failure\t\nalways\t\n:4\n",
    );
    assert.match(await ask("down --"), /--force\t/, "aliases complete like their command");
    assert.match(await ask(`start ${FIXTURES}/daemon/lo`), /daemon\/long\.yml\t\n/);
    for (
      const [shell, marker] of [["zsh", "#compdef dora"], ["fish", "complete -c dora"]] as const
    ) {
      const script = await sh(home, `dora completion ${shell}`);
      assert.equal(script.code, 0, script.stderr);
      assert.ok(script.stdout.includes(marker), `${shell} script`);
      assert.ok(script.stdout.includes("complete --"), `${shell} calls back dora complete`);
    }
    const bad = await sh(home, "dora completion tcsh");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^Error: Unsupported shell 'tcsh'\nGive one of: bash, zsh, fish/);
  } finally {
    await teardown(home);
  }
});

Deno.test({
  name: "bash: Tab in a real terminal completes commands, flag values and dataflow names",
  ignore: !hasBashCompletion,
  async fn() {
    if (!(await Terminal.available())) return; // tmux provides the terminal; installed on CI
    const home = await makeHome();
    let terminal: Terminal | undefined;
    try {
      assert.equal(
        (await sh(home, `dora start ${FIXTURES}/daemon/long.yml --name robot-arm`)).code,
        0,
      );
      const rc = `${home.dir}/bashrc`;
      await Deno.writeTextFile(
        rc,
        `source ${BASH_COMPLETION}\n${doraFunction()}\neval "$(dora completion bash)"\nPS1='$ '\n`,
      );
      terminal = await Terminal.start(home, `exec bash --noprofile --rcfile ${rc} -i`);
      await terminal.waitFor(/^\$/m); // (the screen has no trailing blanks)
      await terminal.keys("dora sto", "Tab");
      await terminal.waitFor("$ dora stop");
      await terminal.keys("rob", "Tab");
      await terminal.waitFor("$ dora stop robot-arm");
      await terminal.keys("C-u", "dora start --restart-policy on-f", "Tab");
      await terminal.waitFor("$ dora start --restart-policy on-failure");
      await terminal.keys("C-u", "exit", "Enter");
    } finally {
      await terminal?.close();
      await teardown(home);
    }
  },
});
