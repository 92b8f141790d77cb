import assert from "node:assert/strict";
import zlib from "node:zlib";
import ExcelJS from "exceljs";

/**
 * Reading back the XLSX exports in tests, two ways: exceljs (an independent implementation: if it
 * opens the file and finds the cells, so should a spreadsheet), and the ZIP's own entries, checked
 * against the central directory and their CRC, for what exceljs does not expose (quote prefixes, the
 * raw XML).
 */

export async function readWorkbook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  // exceljs' type wants its own Buffer flavour; a Node Buffer is what it reads.
  await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  return workbook;
}

/** Every entry of a ZIP archive, inflated, after checking sizes and CRC against the central directory. */
export function zipEntries(bytes: Buffer): Map<string, string> {
  const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, "end of central directory");
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  assert.equal(at + bytes.readUInt32LE(end + 12), end, "central directory ends where the end record starts");
  const entries = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    assert.equal(bytes.readUInt32LE(at), 0x02014b50, "central directory record");
    const crc = bytes.readUInt32LE(at + 16);
    const compressed = bytes.readUInt32LE(at + 20);
    const size = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extra = bytes.readUInt16LE(at + 30);
    const comment = bytes.readUInt16LE(at + 32);
    const offset = bytes.readUInt32LE(at + 42);
    const name = bytes.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    at += 46 + nameLength + extra + comment;

    assert.equal(bytes.readUInt32LE(offset), 0x04034b50, `${name}: local header`);
    const localName = bytes.readUInt16LE(offset + 26);
    const localExtra = bytes.readUInt16LE(offset + 28);
    const dataStart = offset + 30 + localName + localExtra;
    const data = zlib.inflateRawSync(bytes.subarray(dataStart, dataStart + compressed));
    assert.equal(data.length, size, `${name}: size`);
    assert.equal(zlib.crc32(data), crc, `${name}: CRC`);
    const descriptor = dataStart + compressed;
    assert.equal(bytes.readUInt32LE(descriptor), 0x08074b50, `${name}: data descriptor`);
    assert.deepEqual(
      [
        bytes.readUInt32LE(descriptor + 4),
        bytes.readUInt32LE(descriptor + 8),
        bytes.readUInt32LE(descriptor + 12),
      ],
      [crc, compressed, size],
      `${name}: data descriptor values`,
    );
    entries.set(name, data.toString("utf8"));
  }
  return entries;
}

/** A sheet's rows as exceljs reads them: values (numbers, strings, Dates, booleans, or null) per column. */
export function sheetValues(sheet: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row) => {
    const values: unknown[] = [];
    for (let c = 1; c <= sheet.columnCount; c++) {
      const value = row.getCell(c).value;
      values.push(value === undefined ? null : value);
    }
    rows.push(values);
  });
  return rows;
}

/** The number format of each cell of a row. */
export function rowFormats(sheet: ExcelJS.Worksheet, row: number): Array<string | undefined> {
  const formats: Array<string | undefined> = [];
  for (let c = 1; c <= sheet.columnCount; c++) formats.push(sheet.getRow(row).getCell(c).numFmt || undefined);
  return formats;
}
