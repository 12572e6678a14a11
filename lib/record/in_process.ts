/**
 * `dora run --record [FILE]` (and `dora replay --record`): the run taps its own dataflow
 * through the `TapTransport` it hosts, from before the first message, and the recorder writes
 * every output to FILE; the file is finished when the run ends.
 */
import { errorMessage } from "../errors.ts";
import type { Dataflow } from "../descriptor/types.ts";
import type { TapTransport } from "../taps/types.ts";
import type { Encoding } from "./codec.ts";
import { defaultRecordingName, Recorder, type RecordingSummary } from "./recorder.ts";

/** What a run gives its recording. */
export interface RunRecordingOptions {
  taps: TapTransport;
  uuid: string;
  name: string;
  dataflow: Dataflow;
  /** Default: `recording_<date>_<time>.mcap` in the current folder. */
  path?: string;
  encoding?: Encoding;
  /** The YAML to keep in the metadata (default: the file's text now). */
  yaml?: string;
  warn(message: string): void;
}

/** A recording of a run, until `close`. */
export interface RunRecording {
  path: string;
  close(): Promise<RecordingSummary>;
}

/** Starts recording; call once the run's data plane is up and before its nodes start. */
export async function startRunRecording(opts: RunRecordingOptions): Promise<RunRecording> {
  let yaml = opts.yaml;
  try {
    yaml ??= await Deno.readTextFile(opts.dataflow.file);
  } catch (err) {
    opts.warn(
      `the recording has no YAML: cannot read ${opts.dataflow.file} (${errorMessage(err)})`,
    );
  }
  const path = opts.path ?? defaultRecordingName();
  const recorder = await Recorder.create({
    path,
    encoding: opts.encoding ?? "arrow",
    overwrite: true,
    dataflow: {
      name: opts.name,
      uuid: opts.uuid,
      file: opts.dataflow.file,
      yaml,
      topics: null,
      host: "run",
    },
    warn: opts.warn,
  });
  const untap = opts.taps.tap(opts.uuid, "all", recorder);
  return {
    path,
    close: async () => {
      untap();
      return await recorder.close();
    },
  };
}
