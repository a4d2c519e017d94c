// What an investigation's page draws (R10, issue 14): the flagged ratings on
// a timeline (when given, how suspect, coloured by level) and the window's
// monthly very-satisfied share beside its peers'. ECharts registers only the
// chart types used, here, so that the queues and the dashboard do not load
// the scatter chart.
import { use } from 'echarts/core';
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { LEVELS, type Level } from './charts';
import { formatDateTime, formatShare } from './format';
import type { FlaggedRating, PeerMonth } from './findings';

use([BarChart, LineChart, ScatterChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** A colour per level, the console's red for "very satisfied" (what faked ratings give). */
export const LEVEL_COLOURS: Record<Level, string> = {
  very_satisfied: '#b3261e',
  satisfied: '#e8871e',
  basically_satisfied: '#c9a227',
  dissatisfied: '#5b7fa6',
  very_dissatisfied: '#3d405b',
};
const GREY = '#8d9095';

const chinaTimeLabel = (at: number, locale: string) =>
  new Intl.DateTimeFormat(locale, { timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false }).format(
    at,
  );

/**
 * The flagged ratings as points: x when given, y their suspicion (0–100%),
 * one series per level present (so the legend names only those), each
 * point's tooltip its case number, time and suspicion.
 */
export function timelineOption(ratings: readonly FlaggedRating[], words: { level: (l: Level) => string; suspicion: string; locale: string }) {
  const present = LEVELS.filter((l) => ratings.some((r) => r.level === l));
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesName: string; data: [string, number, string] }) =>
        `${p.data[2] || '—'}<br/>${formatDateTime(p.data[0], words.locale)}<br/>${p.seriesName} · ${words.suspicion} ${Math.round(p.data[1])}%`,
    },
    legend: { top: 0, data: present.map(words.level) },
    grid: { left: 50, right: 24, top: 36, bottom: 40 },
    // The axis's ticks fall where ECharts puts them; their labels are in China time, whatever the browser's zone.
    xAxis: { type: 'time', axisLabel: { formatter: (v: number) => chinaTimeLabel(v, words.locale), hideOverlap: true } },
    yAxis: { type: 'value', name: words.suspicion, min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    series: present.map((level) => ({
      type: 'scatter',
      name: words.level(level),
      symbolSize: 10,
      itemStyle: { color: LEVEL_COLOURS[level], opacity: 0.85 },
      data: ratings.filter((r) => r.level === level).map((r) => [r.givenAt, Math.round(r.suspicion * 1000) / 10, r.caseNumber ?? '']),
    })),
  };
}

/** The window's active very-satisfied share by month (bars) beside its peers' (a line), in percent. */
export function peersOption(peers: readonly PeerMonth[], words: { window: string; peers: string; share: string }) {
  const percent = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);
  return {
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: number | null) => (v === null || v === undefined ? '—' : formatShare(v / 100)),
    },
    legend: { top: 0, data: [words.window, words.peers] },
    grid: { left: 50, right: 24, top: 36, bottom: 30 },
    xAxis: { type: 'category', data: peers.map((p) => p.month) },
    yAxis: {
      type: 'value',
      name: words.share,
      // The shares that matter sit near the top: the axis starts below the lowest one shown.
      min: (v: { min: number }) => Math.max(0, Math.floor((v.min - 5) / 10) * 10),
      max: 100,
      axisLabel: { formatter: '{value}%' },
    },
    series: [
      { type: 'bar', name: words.window, data: peers.map((p) => percent(p.share)), itemStyle: { color: LEVEL_COLOURS.very_satisfied }, barMaxWidth: 32 },
      { type: 'line', name: words.peers, data: peers.map((p) => percent(p.peerShare)), itemStyle: { color: GREY }, lineStyle: { type: 'dashed' } },
    ],
  };
}
