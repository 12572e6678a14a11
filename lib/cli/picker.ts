/**
 * A one-choice picker for a terminal (`dora stop` with nothing named, like dora 1.0's). The
 * state machine (`pickerState`, `onKey`, `renderPicker`) is pure and tested without a TTY;
 * `pick` is the thin I/O shell: raw mode on stdin, drawing on stderr.
 */

/** The picker's state. */
export interface PickerState {
  question: string;
  items: string[];
  index: number;
  /** Set once the user chose (`chosen`) or gave up (`cancelled`). */
  outcome?: "chosen" | "cancelled";
}

/** A new picker on the first item. */
export function pickerState(question: string, items: string[]): PickerState {
  return { question, items, index: 0 };
}

const KEYS: Record<string, "up" | "down" | "choose" | "cancel"> = {
  "\x1b[A": "up",
  "\x1bOA": "up",
  "k": "up",
  "\x1b[B": "down",
  "\x1bOB": "down",
  "j": "down",
  "\r": "choose",
  "\n": "choose",
  "\x1b": "cancel",
  "q": "cancel",
  "\x03": "cancel",
  "\x04": "cancel",
};

/** Splits what one read returned into keys (arrow keys are three bytes). */
export function splitKeys(text: string): string[] {
  // deno-lint-ignore no-control-regex
  return text.match(/\x1b\[[A-D]|\x1bO[A-D]|\x1b|[\s\S]/g) ?? [];
}

/** The state after one key; unknown keys change nothing. */
export function onKey(state: PickerState, key: string): PickerState {
  if (state.outcome) return state;
  const action = KEYS[key];
  const n = state.items.length;
  switch (action) {
    case "up":
      return { ...state, index: (state.index - 1 + n) % n };
    case "down":
      return { ...state, index: (state.index + 1) % n };
    case "choose":
      return { ...state, outcome: "chosen" };
    case "cancel":
      return { ...state, outcome: "cancelled" };
    default:
      return state;
  }
}

/** The picker's lines. */
export function renderPicker(state: PickerState): string[] {
  return [
    `? ${state.question} (↑/↓ to move, Enter to choose, Esc to cancel)`,
    ...state.items.map((item, i) => `${i === state.index ? "❯" : " "} ${item}`),
  ];
}

const encoder = new TextEncoder();

/**
 * Asks on the terminal; returns the chosen index, or undefined when cancelled. Needs stdin and
 * stderr to be terminals.
 */
export async function pick(question: string, items: string[]): Promise<number | undefined> {
  let state = pickerState(question, items);
  const write = (text: string) => Deno.stderr.writeSync(encoder.encode(text));
  let drawn = 0;
  const draw = () => {
    const lines = renderPicker(state);
    write((drawn > 0 ? `\x1b[${drawn}A\r\x1b[J` : "") + lines.join("\n") + "\n");
    drawn = lines.length;
  };
  Deno.stdin.setRaw(true);
  const buffer = new Uint8Array(64);
  const decoder = new TextDecoder();
  try {
    draw();
    while (!state.outcome) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) {
        state = { ...state, outcome: "cancelled" };
        break;
      }
      for (const key of splitKeys(decoder.decode(buffer.subarray(0, n)))) {
        state = onKey(state, key);
      }
      draw();
    }
  } finally {
    Deno.stdin.setRaw(false);
    write(`\x1b[${drawn}A\r\x1b[J`);
  }
  return state.outcome === "chosen" ? state.index : undefined;
}
