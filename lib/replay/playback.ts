/**
 * The playback node (`dora _playback FILE --node ID`, started by `dora replay` in place of a
 * recorded node): connects as that node, then sends its recorded outputs in log-time order,
 * each at its recorded offset from the start of the recording divided by `--speed` (0: as fast
 * as the consumers' sockets take them), with the recorded values and parameters. `--loop`
 * starts over after the last message until the dataflow stops; otherwise it exits, and its
 * consumers get INPUT_CLOSED as they did when the recorded node ended.
 */
import { type Arrow, loadArrow, Node, type Value } from "../../node/ts/mod.ts";
import { decodeMessage, MESSAGE_ENCODING } from "../record/codec.ts";
import { openRecording } from "../record/read.ts";

/** Flags of `_playback`. */
export interface PlaybackFlags {
  node: string;
  speed?: string;
  /** The recording's first log time, ns (shared by every playback node of one replay). */
  start?: string;
  loop?: boolean;
}

/** Runs the playback node; its exit code. */
export async function playback(file: string, flags: PlaybackFlags): Promise<number> {
  const speed = Number(flags.speed ?? "1");
  const recording = await openRecording(file);
  const channels = [...recording.channels.values()].filter((c) =>
    c.metadata.get("dora.node") === flags.node
  );
  const topics = [...new Set(channels.map((c) => c.topic))];
  const arrow: Arrow | undefined =
    channels.some((c) => c.messageEncoding === MESSAGE_ENCODING.arrow)
      ? await loadArrow()
      : undefined;
  const node = await Node.init();
  let stopped = false;
  let wake: () => void = () => {};
  // STOP (or the end of the stream) ends the playback at once.
  void (async () => {
    for await (const event of node) if (event.type === "STOP") break;
    stopped = true;
    wake();
  })();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      wake = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });

  let start = flags.start !== undefined ? BigInt(flags.start) : undefined;
  let sent = 0;
  let offsetMs = 0;
  const began = performance.now();
  do {
    let last = 0n;
    let first: bigint | undefined;
    let round = 0;
    for await (const m of recording.messages(topics)) {
      if (stopped) break;
      start ??= m.logTime;
      first ??= m.logTime;
      last = m.logTime;
      const channel = recording.channels.get(m.channelId)!;
      if (speed > 0) {
        const due = began + offsetMs + Number(m.logTime - start) / 1e6 / speed;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        if (stopped) break;
      }
      const message = decodeMessage(
        arrow,
        channel.messageEncoding,
        channel.metadata.get("dora.kind"),
        m.data,
      );
      const output = channel.metadata.get("dora.output") ?? channel.topic.split("/").pop()!;
      await node.sendOutput(output, message.value as Value, message.parameters);
      sent++;
      round++;
    }
    if (first === undefined) break; // nothing recorded for this node
    // The next round starts one mean interval after this one's last message.
    const span = Number(last - (start ?? first)) / 1e6 / (speed || 1);
    offsetMs = speed === 0 ? 0 : offsetMs + span + (round > 1 ? span / (round - 1) : 1);
  } while (flags.loop && !stopped);
  recording.close();
  console.log(`playback: sent ${sent} recorded messages of ${flags.node} (${topics.join(", ")})`);
  await node.close();
  return 0;
}
