/**
 * `cpu_affinity`: which of the cores a node asks for it gets (those this process may use), and
 * the warning about the others. Pure; `libc.ts` applies the result.
 */

/** The cores of `wanted` that are in `allowed`, and a warning naming the ones that are not. */
export function chooseCores(
  node: string,
  wanted: readonly number[],
  allowed: readonly number[],
): { cores?: number[]; warning?: string } {
  const cores = wanted.filter((c) => allowed.includes(c));
  const skipped = wanted.filter((c) => !allowed.includes(c));
  const out: { cores?: number[]; warning?: string } = {};
  if (cores.length > 0) out.cores = cores;
  if (skipped.length > 0) {
    out.warning = `cpu_affinity of node '${node}': core${skipped.length > 1 ? "s" : ""} ` +
      `${skipped.join(", ")} not available (this process may use ${formatCores(allowed)}); ` +
      (cores.length > 0 ? "skipped" : "the node runs on every available core");
  }
  return out;
}

/** `0-3,6`: cores as ranges. */
export function formatCores(cores: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cores.length; i++) {
    let j = i;
    while (j + 1 < cores.length && cores[j + 1] === cores[j]! + 1) j++;
    parts.push(i === j ? `${cores[i]}` : `${cores[i]}-${cores[j]}`);
    i = j;
  }
  return parts.join(",") || "none";
}
