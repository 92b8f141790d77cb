import { Transform } from "node:stream";

/**
 * Gathers a stream's small chunks into larger ones on their way to the client. Postgres sends COPY
 * data in 8 kB packets, which arrive as ~20 kB chunks; written as they come, each costs the gateway a
 * socket write (HTTP chunk framing, a system call, waking the reader), which the export bench measured
 * as the largest part of the gateway's CPU for a CSV export (docs/performance.md).
 *
 * Memory stays bounded: at most `size` bytes plus one chunk are held. Nothing is held longer than
 * `maxDelayMs`, so a slow query's first rows still leave promptly: the first byte decides whether a
 * later failure is answered as a JSON error or by cutting the transfer.
 */
export function coalesce(size: number, maxDelayMs: number): Transform {
  let parts: Buffer[] = [];
  let held = 0;
  let timer: NodeJS.Timeout | undefined;
  const take = (): Buffer => {
    const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts, held);
    parts = [];
    held = 0;
    return all;
  };
  const stop = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  const stream: Transform = new Transform({
    transform(chunk: Buffer, _enc, done) {
      parts.push(chunk);
      held += chunk.length;
      if (held >= size) {
        stop();
        done(null, take());
        return;
      }
      timer ??= setTimeout(() => {
        timer = undefined;
        if (held > 0 && !stream.destroyed) stream.push(take());
      }, maxDelayMs);
      done();
    },
    flush(done) {
      stop();
      done(null, held > 0 ? take() : undefined);
    },
    destroy(error, done) {
      stop();
      parts = [];
      held = 0;
      done(error);
    },
  });
  return stream;
}
