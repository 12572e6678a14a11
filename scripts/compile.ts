/**
 * `deno task compile [--target T]...`: builds the single `dora` binary (CLI + daemon) into dist/
 * for x86_64/aarch64 Linux and macOS. `deno compile` downloads a runtime (`denort`) per target;
 * where that cannot be fetched, set `DENORT_BIN=/path/to/denort` and build only the target that
 * runtime is for (the host target by default when DENORT_BIN is set).
 */
const ALL_TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
];

const root = new URL("..", import.meta.url).pathname;
const requested: string[] = [];
for (let i = 0; i < Deno.args.length; i++) {
  const arg = Deno.args[i]!;
  if (arg === "--target" && Deno.args[i + 1]) requested.push(Deno.args[++i]!);
  else if (arg.startsWith("--target=")) requested.push(arg.slice("--target=".length));
  else {
    console.error(`Error: unknown argument '${arg}'\nUsage: deno task compile [--target T]...`);
    Deno.exit(2);
  }
}
const unknown = requested.filter((t) => !ALL_TARGETS.includes(t));
if (unknown.length) {
  console.error(
    `Error: unknown target ${unknown.join(", ")}; choose from ${ALL_TARGETS.join(", ")}`,
  );
  Deno.exit(2);
}
const targets = requested.length
  ? requested
  : Deno.env.get("DENORT_BIN")
  ? [Deno.build.target]
  : ALL_TARGETS;

await Deno.mkdir(`${root}dist`, { recursive: true });
let failed = 0;
for (const target of targets) {
  const output = `${root}dist/dora-${target}`;
  const args = [
    "compile",
    "-A",
    "--include",
    `${root}node/python`,
    "--target",
    target,
    "--output",
    output,
    `${root}main.ts`,
  ];
  console.log(`Compiling ${target} -> dist/dora-${target}`);
  const status = await new Deno.Command(Deno.execPath(), { args, cwd: root }).spawn().status;
  if (!status.success) {
    failed++;
    console.error(
      `  ✗ ${target} failed (deno compile exit ${status.code}).` +
        (Deno.env.get("DENORT_BIN") ? "" : " Offline? Set DENORT_BIN to a denort binary."),
    );
  }
}
Deno.exit(failed ? 1 : 0);
