// Reading and writing the spreadsheets government offices pass around:
// .xlsx and CSV (UTF-8, or GB18030 as Excel on a Chinese Windows saves it).
// Both directions stream: a sheet is never held whole in memory.
import { Readable, PassThrough } from 'node:stream';
import { TextDecoder } from 'node:util';
import './exceljsUtf8Fix.ts'; // must come before exceljs
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';

export interface SheetRow {
  /** The row number a person sees in the spreadsheet (the header is row 1). */
  rowNumber: number;
  cells: string[];
}

export type SheetFormat = 'xlsx' | 'csv';

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** Reads the first bytes to tell an .xlsx (a zip) from CSV; returns the stream intact. */
export async function sniffFormat(input: Readable): Promise<{ format: SheetFormat; stream: Readable; head: Buffer }> {
  // One iterator for the whole stream: leaving a for-await loop early would
  // destroy the stream, so the head is read with next() and the rest follows.
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < 64 * 1024) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = Buffer.from(next.value);
    first.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(first);
  const rest = (async function* () {
    if (head.length) yield head;
    if (ended) return;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield Buffer.from(next.value);
  })();
  const format = head.subarray(0, 4).equals(ZIP_MAGIC) ? 'xlsx' : 'csv';
  return { format, stream: Readable.from(rest, { objectMode: false }), head };
}

/** Text of one cell as a person sees it. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    // Excel keeps 15 significant digits: an 18-digit code typed as a number
    // has already lost its last digits. Say so instead of storing a wrong code.
    if (!Number.isSafeInteger(value) && Math.abs(value) >= 1e15) return `#NUMBER:${value}`;
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const v = value as { richText?: { text: string }[]; text?: string; result?: unknown; error?: string };
    if (v.richText) return v.richText.map((r) => r.text).join('');
    if (v.result !== undefined) return cellText(v.result);
    if (v.text !== undefined) return String(v.text);
    if (v.error) return '';
  }
  return String(value);
}

async function* xlsxRows(stream: Readable): AsyncGenerator<SheetRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  for await (const sheet of reader) {
    for await (const row of sheet) {
      const values = (row.values as unknown[]).slice(1); // exceljs rows are 1-based
      const cells = Array.from({ length: values.length }, (_, i) => cellText(values[i]).trim());
      if (cells.some((c) => c !== '')) yield { rowNumber: row.number, cells };
    }
    return; // the first sheet only
  }
}

function decoderFor(head: Buffer): TextDecoder {
  if (head.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))) return new TextDecoder('utf-8');
  try {
    // A cut in the middle of a character at the end of the sample is fine.
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 4)));
    return new TextDecoder('utf-8');
  } catch {
    return new TextDecoder('gb18030');
  }
}

async function* csvRows(stream: Readable, head: Buffer): AsyncGenerator<SheetRow> {
  const decoder = decoderFor(head);
  const text = Readable.from(
    (async function* () {
      for await (const chunk of stream) yield decoder.decode(chunk as Buffer, { stream: true });
      yield decoder.decode();
    })(),
  );
  const parser = text.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true, trim: true }));
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (record.some((c) => c !== '')) yield { rowNumber: info.lines, cells: record };
  }
}

/** Rows of the first sheet of an .xlsx, or of a CSV file, from a byte stream. */
export async function readSheet(input: Readable): Promise<{ format: SheetFormat; rows: AsyncGenerator<SheetRow> }> {
  const { format, stream, head } = await sniffFormat(input);
  return { format, rows: format === 'xlsx' ? xlsxRows(stream) : csvRows(stream, head) };
}

/**
 * Writes rows to an .xlsx or CSV stream as they come. CSV gets a BOM so that
 * Excel opens it as UTF-8.
 */
export function writeSheet(format: SheetFormat, sheetName: string, header: string[], rows: AsyncIterable<unknown[]>): Readable {
  const out = new PassThrough();
  void (async () => {
    if (format === 'csv') {
      const csv = stringify({ bom: true });
      csv.pipe(out);
      csv.write(header);
      for await (const row of rows) if (!csv.write(row)) await new Promise((r) => csv.once('drain', r));
      csv.end();
      return;
    }
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
    const sheet = workbook.addWorksheet(sheetName);
    sheet.addRow(header).commit();
    for await (const row of rows) sheet.addRow(row).commit();
    sheet.commit();
    await workbook.commit();
  })().catch((error) => out.destroy(error));
  return out;
}
