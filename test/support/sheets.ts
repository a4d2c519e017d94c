// Spreadsheet files for import tests, made the way offices make them.
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
