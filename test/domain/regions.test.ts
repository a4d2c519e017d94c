import { describe, expect, it } from 'vitest';
import { levelOfRegionCode, normalizeRegionCode } from '../../src/domain/regions.ts';

describe('R1 normalizeRegionCode: 12-digit codes, and the short forms people write', () => {
  it.each([
    ['450000000000', '450000000000'],
    ['450000', '450000000000'], // the autonomous region, GB/T 2260 form
    ['450100', '450100000000'], // Nanning
    ['450102', '450102000000'], // Xingning district
    ['450102001', '450102001000'], // a street, 9-digit form
    ['450102001003', '450102001003'], // a community
    [' 450100 ', '450100000000'],
    ['45', null],
    ['4501', null],
    ['4501000', null],
    ['4501000000000', null],
    ['45010a', null],
    ['', null],
    ['-450100', null],
  ])('%j → %j', (input, expected) => {
    expect(normalizeRegionCode(input)).toBe(expected);
  });
});

describe('R1 levelOfRegionCode', () => {
  it.each([
    ['450000000000', 1],
    ['450100000000', 2],
    ['451400000000', 2],
    ['450102000000', 3],
    ['450181000000', 3],
    ['450102001000', 4],
    ['450102001003', 5],
    ['450102100200', 5],
  ])('%s is level %i', (code, level) => {
    expect(levelOfRegionCode(code)).toBe(level);
  });
});
