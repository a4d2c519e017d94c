declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const c: DefineComponent<object, object, unknown>;
  export default c;
}

// ECharts parts loaded on demand; each registers itself (web/src/charts.ts).
declare module 'echarts/lib/chart/map';
declare module 'echarts/lib/component/visualMap';
