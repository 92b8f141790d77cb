import type { ServerResponse } from "node:http";
import { Writable } from "node:stream";
import { abortedError } from "./export-error.js";

/**
 * What the exporters write to, in front of the HTTP response. The exporters destroy their output when
 * they fail; going through this sink keeps the response ours: before the first byte we can still answer
 * a proper error (status and JSON), after it we decide how the response ends. Back-pressure is the
 * response's own, and a client that goes away destroys the sink, which aborts the export.
 */
export class ResponseSink extends Writable {
  bytes = 0;

  constructor(private readonly res: ServerResponse) {
    super({ highWaterMark: 64 * 1024 });
    res.once("close", () => {
      if (!res.writableFinished) this.destroy();
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.res.destroyed) return done(new Error("the client went away"));
    this.bytes += chunk.length;
    if (this.res.write(chunk)) done();
    else this.res.once("drain", () => done());
  }

  /** Flushes what the sink holds into the response (without ending the response). */
  flush(): Promise<void> {
    if (this.destroyed || this.writableFinished) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.once("error", reject);
      this.end(() => resolve());
    });
  }
}

/** Resolves when `out` drains; fails when it closes first (the client left) or the export is aborted. */
export function drained(out: Writable, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      out.off("drain", onDrain);
      out.off("close", onClose);
      signal?.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(abortedError());
    const onAbort = () => done(signal?.reason instanceof Error ? signal.reason : abortedError());
    if (signal?.aborted) return onAbort();
    out.once("drain", onDrain);
    out.once("close", onClose);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
