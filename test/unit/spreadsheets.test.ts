// Reading .xlsx files: every read gives the first sheet's rows, whatever
// order the zip stores its parts in (exceljs#3064: exceljs's streaming reader
// lost the parts after a worksheet in about one read in a hundred).
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { readSheet } from '../../src/app/spreadsheets.ts';
import { sheetFile, xlsxFile } from '../support/sheets.ts';

const HEADER = ['工号', '姓名', '所属机构统一社会信用代码'];
const ROWS = [
  ['GX-0001', '韦一', '11450100MB1234567A'],
  ['GX-0002', '覃二', '11450100MB1234567A'],
];

async function cellsOf(file: string): Promise<string[][]> {
  const { rows } = await readSheet(file);
  const out: string[][] = [];
  for await (const row of rows) out.push(row.cells);
  return out;
}

/** An .xlsx from exceljs's streaming writer: the sheet comes first in the zip, the shared strings and the workbook part after it. */
async function streamedXlsx(rows: string[][]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: true, useStyles: false });
  const sheet = workbook.addWorksheet('工作人员');
  for (const row of rows) sheet.addRow(row).commit();
  sheet.commit();
  await workbook.commit();
  return Buffer.concat(chunks);
}

describe('reading an .xlsx file', () => {
  it('gives every row with its text on every read of a workbook whose workbook part is stored last', async () => {
    const file = sheetFile(await xlsxFile([HEADER, ...ROWS]));
    const reads = await Promise.all(Array.from({ length: 300 }, () => cellsOf(file).catch((e: unknown) => String(e))));
    expect(reads.filter((r) => JSON.stringify(r) !== JSON.stringify([HEADER, ...ROWS]))).toEqual([]);
  });

  it('gives every row on every read when the sheet is stored before its shared strings', async () => {
    const file = sheetFile(await streamedXlsx([HEADER, ...ROWS]));
    const reads = await Promise.all(Array.from({ length: 100 }, () => cellsOf(file).catch((e: unknown) => String(e))));
    expect(reads.filter((r) => JSON.stringify(r) !== JSON.stringify([HEADER, ...ROWS]))).toEqual([]);
  });

  it('reads the first sheet of the workbook, not the first one stored', async () => {
    const workbook = new ExcelJS.Workbook();
    const notes = workbook.addWorksheet('说明');
    notes.addRow(['这一页是说明']);
    const data = workbook.addWorksheet('工作人员');
    for (const row of [HEADER, ...ROWS]) data.addRow(row);
    // exceljs orders the workbook's sheets by orderNo (not in its type declarations).
    (data as unknown as { orderNo: number }).orderNo = 0;
    (notes as unknown as { orderNo: number }).orderNo = 1;
    const file = sheetFile(Buffer.from(await workbook.xlsx.writeBuffer()));
    expect(await cellsOf(file)).toEqual([HEADER, ...ROWS]);
  });

  it('refuses a file that only starts like a zip', async () => {
    const file = sheetFile(Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]));
    await expect(cellsOf(file)).rejects.toThrow();
  });
});
