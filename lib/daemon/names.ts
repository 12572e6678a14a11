/** Dataflow names: validation of user-given names and readable two-word names for the rest. */

const ADJECTIVES = [
  "amber",
  "brave",
  "calm",
  "clever",
  "crisp",
  "daring",
  "eager",
  "fancy",
  "gentle",
  "happy",
  "jolly",
  "keen",
  "lively",
  "lucky",
  "mellow",
  "nimble",
  "noble",
  "proud",
  "quick",
  "quiet",
  "rapid",
  "silent",
  "smooth",
  "snowy",
  "steady",
  "sunny",
  "swift",
  "tidy",
  "vivid",
  "witty",
  "bold",
  "bright",
  "cosmic",
  "dusty",
  "golden",
  "hidden",
  "icy",
  "misty",
  "rusty",
  "solar",
];
const NOUNS = [
  "badger",
  "beacon",
  "comet",
  "condor",
  "falcon",
  "ferret",
  "gecko",
  "heron",
  "jaguar",
  "koala",
  "lynx",
  "marmot",
  "meerkat",
  "otter",
  "panda",
  "pelican",
  "puffin",
  "quokka",
  "raven",
  "robin",
  "rover",
  "salmon",
  "sparrow",
  "tiger",
  "turtle",
  "walrus",
  "wombat",
  "yak",
  "zebra",
  "orca",
  "piston",
  "rotor",
  "sensor",
  "servo",
  "gimbal",
  "lidar",
  "gripper",
  "drone",
  "beetle",
  "crane",
];

/** A random readable name not in `taken`, like `swift-otter`. */
export function generateName(taken: Set<string>): string {
  for (let attempt = 0; attempt < 200; attempt++) {
    const a = ADJECTIVES[Math.floor(Math.random() * ADJECTIVES.length)]!;
    const n = NOUNS[Math.floor(Math.random() * NOUNS.length)]!;
    const name = attempt < 100 ? `${a}-${n}` : `${a}-${n}-${attempt}`;
    if (!taken.has(name)) return name;
  }
  return `dataflow-${crypto.randomUUID().slice(0, 8)}`;
}

const UUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why `name` is not acceptable as a dataflow name, or undefined when it is fine. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return "a dataflow name cannot be empty";
  if (name.length > 64) return "a dataflow name can have at most 64 characters";
  if (/\s/.test(name)) return `'${name}' contains spaces; use letters, digits, '-', '_' or '.'`;
  if (name.includes("/")) return `'${name}' contains '/'; use letters, digits, '-', '_' or '.'`;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    return `'${name}' is not a valid name; start with a letter or digit and use letters, digits, '-', '_' or '.'`;
  }
  if (UUID_LIKE.test(name)) return `'${name}' looks like a UUID; choose a name that does not`;
  return undefined;
}
