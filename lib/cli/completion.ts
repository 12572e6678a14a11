/**
 * `dora completion [bash|zsh|fish|powershell]` prints a completion script (`@bomb.sh/tab`);
 * the script calls `dora complete -- <words>` on every Tab, which answers from the command
 * tree declared in main.ts (commands, aliases, flags, flag choices), dataflow files for file
 * arguments, and the names of running dataflows where a dataflow is expected.
 */
import type { Command, Option } from "../../deps/commander.ts";
import { RootCommand } from "../../deps/tab.ts";
import type { DataflowInfo } from "../api/types.ts";
import { DaemonClient } from "../client/client.ts";
import { UsageError } from "../errors.ts";

const SHELLS = ["bash", "zsh", "fish", "powershell"];
/** Commands whose `dataflow` argument (or `--name`) names a dataflow. */
const TAKES_DATAFLOW = new Set(["stop", "list", "ls", "ps", "logs"]);

type Complete = (value: string, description: string) => void;

/** What the completions need to know beyond the command tree. */
interface Candidates {
  /** Running dataflows: name and a short description. */
  dataflows: [string, string][];
  /** `*.yml`/`*.yaml` files and folders where the word being completed points. */
  files: string[];
}

function addOptions(target: RootCommand | ReturnType<RootCommand["command"]>, cmd: Command) {
  for (const option of cmd.createHelp().visibleOptions(cmd) as Option[]) {
    const long = option.long?.replace(/^--/, "");
    if (!long) continue;
    const short = option.short?.replace(/^-/, "");
    const takesValue = option.required || option.optional;
    const choices = option.argChoices ?? [];
    if (!takesValue) {
      if (short) target.option(long, option.description, short);
      else target.option(long, option.description);
      continue;
    }
    const handler = (complete: Complete) => {
      for (const choice of choices) complete(choice, "");
    };
    target.option(long, option.description, handler, short);
  }
}

/** The completion tree of `program`, with `found` for dynamic values. */
function tree(program: Command, found: Candidates): RootCommand {
  const root = new RootCommand();
  addOptions(root, program);
  const dataflows = (complete: Complete) => {
    for (const [name, about] of found.dataflows) complete(name, about);
  };
  const files = (complete: Complete) => {
    for (const file of found.files) complete(file, "");
  };
  for (const cmd of program.createHelp().visibleCommands(program) as Command[]) {
    if (cmd.name() === "help") continue;
    for (const name of [cmd.name(), ...cmd.aliases()]) {
      const sub = root.command(name, cmd.description());
      addOptions(sub, cmd);
      const nameOption = sub.options.get("name");
      if (nameOption && TAKES_DATAFLOW.has(cmd.name())) nameOption.handler = dataflows;
      for (const arg of cmd.registeredArguments) {
        const argName = arg.name();
        const choices = arg.argChoices ?? [];
        if (argName === "dataflow") sub.argument(argName, dataflows, arg.variadic);
        else if (argName === "file") sub.argument(argName, files, arg.variadic);
        else if (choices.length) {
          sub.argument(argName, (complete) => choices.forEach((c) => complete(c, "")));
        } else if (argName === "shell") {
          sub.argument(argName, (complete) => SHELLS.forEach((s) => complete(s, "")));
        } else sub.argument(argName, undefined, arg.variadic);
      }
    }
  }
  return root;
}

async function runningDataflows(): Promise<[string, string][]> {
  try {
    const client = await DaemonClient.connect();
    const all = await client.request<DataflowInfo[]>("GET", "/v1/dataflows");
    return all.filter((d) => d.status === "Running" || d.status === "Stopping")
      .map((d) => [d.name, `${d.status} ${d.short_id}`]);
  } catch {
    return [];
  }
}

/** Dataflow files (and folders) at the place the word being typed points to. */
async function dataflowFiles(word: string): Promise<string[]> {
  const slash = word.lastIndexOf("/");
  const dirPart = slash >= 0 ? word.slice(0, slash + 1) : "";
  const out: string[] = [];
  try {
    for await (const entry of Deno.readDir(dirPart === "" ? "." : dirPart)) {
      if (entry.name.startsWith(".") && !word.slice(dirPart.length).startsWith(".")) continue;
      if (entry.isDirectory) out.push(`${dirPart}${entry.name}/`);
      else if (/\.ya?ml$/i.test(entry.name)) out.push(`${dirPart}${entry.name}`);
    }
  } catch {
    // not a folder
  }
  return out.sort();
}

/** Runs `dora complete -- <words>` (what the shell scripts call). */
export async function complete(program: Command, words: string[]): Promise<number> {
  const current = words.at(-1) ?? "";
  const command = words.find((w) => !w.startsWith("-")) ?? "";
  const found: Candidates = {
    dataflows: TAKES_DATAFLOW.has(command) ? await runningDataflows() : [],
    files: words.length > 1 ? await dataflowFiles(current) : [],
  };
  tree(program, found).parse([...words]);
  return 0;
}

/** Runs `dora completion [shell]`. */
export function completion(program: Command, shell: string | undefined): number {
  const chosen = shell ?? (Deno.env.get("SHELL") ?? "").split("/").pop() ?? "";
  if (!SHELLS.includes(chosen)) {
    throw new UsageError(
      shell === undefined
        ? `Cannot tell your shell from $SHELL ('${Deno.env.get("SHELL") ?? ""}')`
        : `Unsupported shell '${shell}'`,
      [`Give one of: ${SHELLS.join(", ")} (e.g. eval "$(dora completion bash)")`],
    );
  }
  tree(program, { dataflows: [], files: [] }).setup("dora", "dora", chosen);
  return 0;
}
