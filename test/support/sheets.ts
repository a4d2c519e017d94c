// Spreadsheet files for import tests, made the way offices make them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { stringify } from 'csv-stringify/sync';

export async function xlsxFile(rows: unknown[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Sheet1');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export function csvFile(rows: unknown[][], encoding: 'utf8' | 'utf8-bom' | 'gb18030' = 'utf8-bom'): Buffer {
  const text = stringify(rows);
  if (encoding === 'gb18030') return iconv.encode(text, 'gb18030');
  return Buffer.from((encoding === 'utf8-bom' ? '\uFEFF' : '') + text, 'utf8');
}

let spool: string | undefined;
/** Writes a file's bytes to a temporary file and returns its path (imports read a file, as the route spools an upload). */
export function sheetFile(bytes: Buffer): string {
  if (!spool) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-sheets-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    spool = dir;
  }
  const file = path.join(spool, `${crypto.randomUUID()}.bin`);
  fs.writeFileSync(file, bytes);
  return file;
}
