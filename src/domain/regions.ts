// R1: the five administrative levels and their official division codes.

export const REGION_LEVELS = [
  { level: 1, key: 'region', zh: '自治区' },
  { level: 2, key: 'city', zh: '设区市' },
  { level: 3, key: 'county', zh: '县（市、区）' },
  { level: 4, key: 'town', zh: '乡镇（街道）' },
  { level: 5, key: 'village', zh: '村（社区）' },
] as const;

export type RegionLevel = (typeof REGION_LEVELS)[number]['level'];

/** The autonomous region itself: 广西壮族自治区. */
export const GUANGXI_CODE = '450000000000';

/**
 * R1: regions are keyed by the 12-digit statistical code. People also write
 * the 6-digit GB/T 2260 code of the top three levels (450000, 450100, 450102)
 * and the 9-digit code of a town (450102001); both are the 12-digit code with
 * its trailing zeros left off. Returns null for anything else.
 */
export function normalizeRegionCode(input: string): string | null {
  const code = input.trim();
  if (!/^\d+$/.test(code)) return null;
  if (code.length === 12) return code;
  if (code.length === 6 || code.length === 9) return code.padEnd(12, '0');
  return null;
}

/**
 * R1: the level a 12-digit code denotes, from which digits are zero:
 * PP0000000000 region, PPCC00000000 city, PPCCDD000000 county,
 * PPCCDDTTT000 town, anything else a village.
 */
export function levelOfRegionCode(code: string): RegionLevel {
  if (code.endsWith('0000000000')) return 1;
  if (code.endsWith('00000000')) return 2;
  if (code.endsWith('000000')) return 3;
  if (code.endsWith('000')) return 4;
  return 5;
}
