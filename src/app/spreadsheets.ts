// Reading and writing the spreadsheets government offices pass around:
// .xlsx and CSV (UTF-8, or GB18030 as Excel on a Chinese Windows saves it).
// Both directions stream: a sheet is never held whole in memory.
import fs from 'node:fs';
import { Readable, PassThrough } from 'node:stream';
import { TextDecoder } from 'node:util';
import './exceljsUtf8Fix.ts'; // must come before exceljs
import type ExcelJS from 'exceljs';
import unzipper from 'unzipper';
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

/** The parts of exceljs's streaming reader we drive one by one (exceljs 4.4.0, lib/stream/xlsx/workbook-reader.js). */
interface WorkbookReaderParts {
  model?: { sheets?: { rId: string }[] };
  workbookRels?: { Id: string; Target: string }[];
  sharedStrings?: unknown[];
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  _parseWorksheet(iterator: AsyncIterable<unknown>, sheetNo: string): Generator<{ eventType: string; value: AsyncIterable<ExcelJS.Row> }>;
}

/**
 * The rows of the first sheet of an .xlsx file. exceljs's streaming reader
 * reads the zip front to back and, on Node 18 and later, sometimes loses the
 * entries after a worksheet (exceljs#3064): with the workbook part last, as
 * exceljs itself writes it, about one read in a hundred failed; with the
 * shared strings last, as Excel writes them, cells would lose their text.
 * So the zip is opened by its central directory, its parts are parsed in the
 * order they depend on each other (relations, workbook, shared strings), and
 * the first sheet of the workbook is then streamed row by row, as before.
 */
/** exceljs, loaded on the first spreadsheet (tens of MB a process that never sees one does not hold; issue 15). */
const excel = async () => (await import('exceljs')).default;

async function* xlsxRows(file: string): AsyncGenerator<SheetRow> {
  const Excel = await excel();
  const zip = await unzipper.Open.file(file);
  const part = (name: string) => zip.files.find((f) => f.type === 'File' && f.path.replace(/^\//, '') === name);
  const reader = new Excel.stream.xlsx.WorkbookReader(Readable.from([]), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  }) as unknown as WorkbookReaderParts;
  const rels = part('xl/_rels/workbook.xml.rels');
  if (rels) await reader._parseRels(rels.stream());
  const workbook = part('xl/workbook.xml');
  if (workbook) await reader._parseWorkbook(workbook.stream());
  reader.model ??= { sheets: [] };
  const strings = part('xl/sharedStrings.xml');
  if (strings) for await (const _ of reader._parseSharedStrings(strings.stream()));
  reader.sharedStrings ??= [];

  // The first sheet is the workbook's first, wherever the zip stores it; without a workbook part, the lowest-numbered.
  const first = reader.model.sheets?.[0];
  const target = first && reader.workbookRels?.find((r) => r.Id === first.rId)?.Target;
  const sheetPath = target ? (target.startsWith('/') ? target.slice(1) : `xl/${target}`) : undefined;
  const numbered = zip.files
    .map((f) => ({ f, n: /^xl\/worksheets\/sheet(\d+)\.xml$/.exec(f.path)?.[1] }))
    .filter((x): x is { f: (typeof zip.files)[number]; n: string } => x.n !== undefined)
    .sort((a, b) => Number(a.n) - Number(b.n));
  const sheet = numbered.find((x) => x.f.path === sheetPath) ?? numbered[0];
  if (!sheet) throw new Error('the workbook has no worksheet');
  for (const { value } of reader._parseWorksheet(sheet.f.stream(), sheet.n)) {
    for await (const row of value) {
      const values = (row.values as unknown[]).slice(1); // exceljs rows are 1-based
      const cells = Array.from({ length: values.length }, (_, i) => cellText(values[i]).trim());
      if (cells.some((c) => c !== '')) yield { rowNumber: row.number, cells };
    }
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

/** Rows of the first sheet of an .xlsx file, or of a CSV file (callers spool an upload to a file first). */
export async function readSheet(file: string): Promise<{ format: SheetFormat; rows: AsyncGenerator<SheetRow> }> {
  const { format, stream, head } = await sniffFormat(fs.createReadStream(file));
  if (format === 'xlsx') {
    stream.destroy();
    return { format, rows: xlsxRows(file) };
  }
  return { format, rows: csvRows(stream, head) };
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
    const Excel = await excel();
    const workbook = new Excel.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
    const sheet = workbook.addWorksheet(sheetName);
    sheet.addRow(header).commit();
    for await (const row of rows) sheet.addRow(row).commit();
    sheet.commit();
    await workbook.commit();
  })().catch((error) => out.destroy(error));
  return out;
}
