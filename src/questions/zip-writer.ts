import { once } from "node:events";
import type { Writable } from "node:stream";
import zlib from "node:zlib";
import { ExportError, abortedError } from "./export-error.js";
import { drained } from "./response-sink.js";

/**
 * A ZIP archive written as a stream, for XLSX: each entry is deflated as it is written, its CRC and
 * sizes follow it in a data descriptor, and the central directory comes last. Back-pressure runs end to
 * end (the producer waits for the deflater, which waits for the response), so memory stays flat however
 * many rows an export has: what exceljs's streaming writer does not do (see docs/exports.md).
 *
 * No ZIP64: every entry and the whole archive must stay under 4 GiB. The XLSX writer starts a new sheet
 * well before an entry gets there; an archive past it fails with `too_large` (a CSV has no such limit).
 */

const LIMIT_32 = 0xffffffff;
/** Bit 3: sizes and CRC in a data descriptor after the data; bit 11: names are UTF-8. */
const FLAGS = 0x0808;
const DEFLATE = 8;
const VERSION = 20;

interface EntryRecord {
  name: Buffer;
  offset: number;
  crc: number;
  compressed: number;
  size: number;
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** MS-DOS time and date of a wall-clock time (the archive's entries carry the extraction time). */
function dosDateTime(wall: WallClock) {
  const time = (wall.hour << 11) | (wall.minute << 5) | Math.floor(wall.second / 2);
  const date = (Math.max(0, wall.year - 1980) << 9) | (wall.month << 5) | wall.day;
  return { time, date };
}

function tooLarge(): ExportError {
  return new ExportError(
    "too_large",
    "Le fichier XLSX dépasserait 4 Go : exportez en CSV ou affinez les filtres.",
  );
}

export interface ZipEntry {
  /** Uncompressed bytes written so far. */
  readonly size: number;
  write(text: string): Promise<void>;
  end(): Promise<void>;
}

export class ZipWriter {
  private offset = 0;
  private readonly entries: EntryRecord[] = [];
  private readonly stamp: { time: number; date: number };
  private readonly signal: AbortSignal | undefined;
  private readonly level: number;
  private open = false;

  constructor(
    private readonly out: Writable,
    options: { wallClock: WallClock; signal?: AbortSignal; level?: number },
  ) {
    this.stamp = dosDateTime(options.wallClock);
    this.signal = options.signal;
    this.level = options.level ?? zlib.constants.Z_BEST_SPEED;
  }

  private async emit(chunk: Buffer): Promise<void> {
    if (this.out.destroyed) throw abortedError();
    this.offset += chunk.length;
    if (!this.out.write(chunk)) await drained(this.out, this.signal);
  }

  /** A whole entry at once (the small parts of a workbook). */
  async file(name: string, content: string): Promise<void> {
    const entry = await this.entry(name);
    await entry.write(content);
    await entry.end();
  }

  /** An entry written piece by piece; one entry at a time. */
  async entry(name: string): Promise<ZipEntry> {
    if (this.open) throw new Error("zip: the previous entry is still open");
    this.open = true;
    const nameBytes = Buffer.from(name, "utf8");
    const offset = this.offset;
    if (offset > LIMIT_32) throw tooLarge();
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(VERSION, 4);
    header.writeUInt16LE(FLAGS, 6);
    header.writeUInt16LE(DEFLATE, 8);
    header.writeUInt16LE(this.stamp.time, 10);
    header.writeUInt16LE(this.stamp.date, 12);
    // CRC and sizes (14–25) stay zero: they follow the data. Name length, then no extra field.
    header.writeUInt16LE(nameBytes.length, 26);
    await this.emit(Buffer.concat([header, nameBytes]));

    const deflate = zlib.createDeflateRaw({ level: this.level });
    let crc = 0;
    let size = 0;
    let compressed = 0;
    let failure: Error | undefined;
    // Compressed bytes go out in order, each awaited: the deflater pauses while the response is full.
    const pumped = (async () => {
      for await (const chunk of deflate as AsyncIterable<Buffer>) {
        compressed += chunk.length;
        await this.emit(chunk);
      }
    })().catch((error: unknown) => {
      failure = error instanceof Error ? error : new Error(String(error));
      deflate.destroy();
    });
    const signal = this.signal;
    return {
      get size() {
        return size;
      },
      write: async (text: string) => {
        if (failure) throw failure;
        const bytes = Buffer.from(text, "utf8");
        size += bytes.length;
        if (size > LIMIT_32) throw tooLarge();
        crc = zlib.crc32(bytes, crc);
        if (!deflate.write(bytes)) await Promise.race([once(deflate, "drain", { signal }), pumped]);
        if (failure) throw failure;
      },
      end: async () => {
        deflate.end();
        await pumped;
        if (failure) throw failure;
        const descriptor = Buffer.alloc(16);
        descriptor.writeUInt32LE(0x08074b50, 0);
        descriptor.writeUInt32LE(crc >>> 0, 4);
        descriptor.writeUInt32LE(compressed, 8);
        descriptor.writeUInt32LE(size, 12);
        await this.emit(descriptor);
        this.entries.push({ name: nameBytes, offset, crc: crc >>> 0, compressed, size });
        this.open = false;
      },
    };
  }

  /** The central directory and its end record. */
  async close(): Promise<void> {
    const start = this.offset;
    const records = this.entries.map((e) => {
      const record = Buffer.alloc(46);
      record.writeUInt32LE(0x02014b50, 0);
      record.writeUInt16LE(VERSION, 4);
      record.writeUInt16LE(VERSION, 6);
      record.writeUInt16LE(FLAGS, 8);
      record.writeUInt16LE(DEFLATE, 10);
      record.writeUInt16LE(this.stamp.time, 12);
      record.writeUInt16LE(this.stamp.date, 14);
      record.writeUInt32LE(e.crc, 16);
      record.writeUInt32LE(e.compressed, 20);
      record.writeUInt32LE(e.size, 24);
      record.writeUInt16LE(e.name.length, 28);
      // Extra and comment lengths, disk number, attributes: zero.
      record.writeUInt32LE(e.offset, 42);
      return Buffer.concat([record, e.name]);
    });
    const directory = Buffer.concat(records);
    if (start + directory.length > LIMIT_32) throw tooLarge();
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(start, 16);
    await this.emit(Buffer.concat([directory, end]));
  }
}
