// Valid request bodies with overrides: buildAgency({ regionCode: '450102' }).
import { creditCodeCheckChar, residentIdCheckChar } from '../../src/domain/identifiers.ts';

let seq = 0;
const next = () => ++seq;

/** A valid unified social credit code: 11 (a government organ) + county code + serial + check. */
export function creditCode(n = next(), region = '450102'): string {
  const first17 = `11${region}${String(n).padStart(8, '0')}A`;
  return first17 + creditCodeCheckChar(first17)!;
}

export function residentId(n = next(), region = '450102', birth = '19900101'): string {
  const first17 = `${region}${birth}${String(n % 1000).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
}

export const buildBusinessLine = (o: Record<string, unknown> = {}) => ({
  code: `BL${next()}`,
  name: '市场监管',
  department: '广西壮族自治区市场监督管理局',
  ...o,
});

export const buildAgency = (o: Record<string, unknown> & { businessLineCode: string }) => ({
  code: creditCode(),
  name: `南宁市兴宁区机构${seq}`,
  regionCode: '450102000000',
  centralUnit: false,
  ...o,
});

export const buildCenter = (o: Record<string, unknown> = {}) => ({
  code: `C${next()}`,
  name: `兴宁区政务服务中心${seq}`,
  regionCode: '450102000000',
  ...o,
});

export const buildWindow = (o: Record<string, unknown> & { centerCode: string; agencyCode: string }) => ({
  number: `${next()}`,
  name: '综合窗口',
  ...o,
});

export const buildStaff = (o: Record<string, unknown> & { agencyCode: string }) => ({
  staffNumber: `S${next()}`,
  name: '张三',
  ...o,
});

export const buildMatter = (o: Record<string, unknown> & { businessLineCode: string; agencyCode: string }) => ({
  code: `MAT${String(next()).padStart(8, '0')}`,
  name: '个体工商户登记',
  kind: 'promised',
  timeLimitDays: 20,
  ...o,
});
