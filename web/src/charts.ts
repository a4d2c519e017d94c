// What the dashboard and the score page draw: ECharts registered once, on
// demand (only the chart types used), and their options built from API data.
import { registerMap, use } from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { api } from './api/client';
import { chinaToday, parsePeriod } from './format';

use([BarChart, LineChart, GridComponent, TooltipComponent, CanvasRenderer]);

export const LEVELS = ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied'] as const;
export type Level = (typeof LEVELS)[number];
export type Dimension = 'staff' | 'agencies' | 'business-lines' | 'regions' | 'centers';
export interface TrendPoint {
  month: string;
  mean: number | null;
  count: number;
}
const RED = '#b3261e';
const PINK = '#e8bebb';

/** The level distribution as horizontal bars. */
export function levelsOption(levels: Record<Level, number> | undefined, label: (level: Level) => string) {
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 90, right: 20, top: 10, bottom: 20 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: LEVELS.map(label), inverse: true },
    series: [{ type: 'bar', data: LEVELS.map((l) => levels?.[l] ?? 0), itemStyle: { color: RED } }],
  };
}

/** The monthly mean (line) and count (bars) of a year. */
export function trendOption(points: TrendPoint[], names: { mean: string; count: string }) {
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 40, right: 40, top: 24, bottom: 30 },
    xAxis: { type: 'category', data: points.map((p) => p.month.slice(5)) },
    yAxis: [
      { type: 'value', name: names.mean, min: (v: { min: number }) => Math.max(0, Math.floor(v.min - 0.5)), max: 10 },
      { type: 'value', name: names.count, minInterval: 1 },
    ],
    series: [
      { type: 'line', name: names.mean, data: points.map((p) => p.mean), itemStyle: { color: RED } },
      { type: 'bar', name: names.count, yAxisIndex: 1, data: points.map((p) => p.count), itemStyle: { color: PINK } },
    ],
  };
}

/** One score per month of the period's year (up to this month, this year): the trend. */
export async function monthlyTrend(dimension: Dimension, key: string, period: { period?: string; from?: string }): Promise<TrendPoint[]> {
  const today = chinaToday();
  const year = parsePeriod(period.period)?.year ?? (Number((period.from ?? '').slice(0, 4)) || today.year);
  const months = Array.from({ length: year === today.year ? today.month : 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`);
  const results = await Promise.all(
    months.map((m) => api.GET('/api/v1/scores/{dimension}/{key}', { params: { path: { dimension, key }, query: { period: m } } })),
  );
  return results.map((r, i) => ({ month: months[i]!, mean: r.data?.mean ?? null, count: r.data?.count ?? 0 }));
}

/** Child regions compared, as bars of their means. */
export function childBarsOption(children: { name: string; mean: number | null; count: number }[], meanName: string) {
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 110, right: 30, top: 10, bottom: 20 },
    xAxis: { type: 'value', min: (v: { min: number }) => Math.max(0, Math.floor(v.min - 0.5)), max: 10, name: meanName },
    yAxis: { type: 'category', data: children.map((c) => c.name), inverse: true },
    series: [{ type: 'bar', data: children.map((c) => c.mean), itemStyle: { color: RED } }],
  };
}

let guangxiRegistered: Promise<void> | undefined;
/** Guangxi's 14 cities (web/src/assets/guangxi-cities.json, built by scripts/guangxi-map.ts), loaded when first drawn. */
export function registerGuangxi(): Promise<void> {
  // The map chart, its visual map and the shapes load only for the dashboard of the whole autonomous region.
  // (Each of these echarts modules registers itself when loaded.)
  guangxiRegistered ??= Promise.all([import('./assets/guangxi-cities.json'), import('echarts/lib/chart/map'), import('echarts/lib/component/visualMap')]).then(
    ([geo]) => {
      registerMap('guangxi', geo.default as unknown as Parameters<typeof registerMap>[1]);
    },
  );
  return guangxiRegistered;
}

/** The 14 cities coloured by their mean. */
export function guangxiOption(children: { name: string; mean: number | null; count: number }[], meanName: string) {
  const means = children.flatMap((c) => (c.mean === null ? [] : [c.mean]));
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p: { name: string; value: number }) => `${p.name}<br/>${meanName} ${Number.isFinite(p.value) ? p.value.toFixed(2) : '—'}`,
    },
    visualMap: {
      min: Math.floor(Math.min(...means, 10) * 10) / 10,
      max: Math.ceil(Math.max(...means, 0) * 10) / 10,
      calculable: true,
      precision: 2,
      inRange: { color: ['#f7e9e8', RED] },
      left: 10,
      bottom: 10,
      text: [meanName, ''],
    },
    series: [{ type: 'map', map: 'guangxi', roam: false, data: children.map((c) => ({ name: c.name, value: c.mean })), label: { show: true, fontSize: 10 } }],
  };
}
