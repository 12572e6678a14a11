/** Shared by the descriptor's unit tests: a dataflow file written into a fresh temp folder. */
import { formatProblems, parseDataflow, type ParseResult } from "./mod.ts";

/** A temp folder holding `dataflow.yml` and the given side files. */
export interface Scratch {
  dir: string;
  file: string;
  parse(env?: Record<string, string>): Promise<ParseResult>;
  /** The problems as printed, with the folder prefix removed from file names and messages. */
  problems(env?: Record<string, string>): Promise<string[]>;
  cleanup(): Promise<void>;
}

/**
 * Writes `yaml` as `dataflow.yml` next to `files` (name → content; names ending in `*` are
 * made executable, without the star).
 */
export async function scratch(yaml: string, files: Record<string, string> = {}): Promise<Scratch> {
  const dir = await Deno.makeTempDir({ prefix: "dora-descriptor-" });
  const file = `${dir}/dataflow.yml`;
  await Deno.writeTextFile(file, yaml);
  for (const [name, content] of Object.entries(files)) {
    const executable = name.endsWith("*");
    const path = `${dir}/${executable ? name.slice(0, -1) : name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, content, { mode: executable ? 0o755 : 0o644 });
    if (!executable) await Deno.chmod(path, 0o644);
  }
  const defaultEnv = { PATH: `${dir}/bin`, HOME: "/home/robot" };
  const parse = (env: Record<string, string> = defaultEnv) => parseDataflow(file, { env });
  return {
    dir,
    file,
    parse,
    async problems(env) {
      const { problems } = await parse(env);
      return formatProblems(problems).split("\n").filter((l) => l !== "")
        .map((line) => line.replaceAll(`${dir}/`, ""));
    },
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

/** Runs `fn` with a scratch folder and removes it afterwards. */
export async function withScratch<T>(
  yaml: string,
  files: Record<string, string>,
  fn: (s: Scratch) => Promise<T>,
): Promise<T> {
  const s = await scratch(yaml, files);
  try {
    return await fn(s);
  } finally {
    await s.cleanup();
  }
}

/** The printed problems of `yaml` (with `files` beside it). */
export function problemsOf(yaml: string, files: Record<string, string> = {}): Promise<string[]> {
  return withScratch(yaml, files, (s) => s.problems());
}
