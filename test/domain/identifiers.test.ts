import { describe, expect, it } from 'vitest';
import {
  creditCodeCheckChar,
  isValidCreditCode,
  isValidMobile,
  normalizeMobile,
  isValidResidentId,
  maskIdNumber,
  maskPhone,
  residentIdCheckChar,
} from '../../src/domain/identifiers.ts';

describe('R2 unified social credit code (GB 32100-2015)', () => {
  it.each([
    ['91350100M000100Y43', true], // the standard's worked example
    ['91350100M000100Y44', false], // wrong check character
    ['91350100M000100Y4', false], // 17 characters
    ['91350100M000100I43', false], // I is not in the alphabet
    ['91350100m000100Y43', false], // lower case
    ['', false],
  ])('%s → %s', (code, valid) => {
    expect(isValidCreditCode(code)).toBe(valid);
  });

  it('computes the check character that makes a code valid', () => {
    expect(creditCodeCheckChar('91350100M000100Y4')).toBe('3');
    expect(creditCodeCheckChar('1145010000000001')).toBeNull();
    const first17 = '11450100MB0000001';
    expect(isValidCreditCode(first17 + creditCodeCheckChar(first17))).toBe(true);
  });
});

describe('resident ID number (GB 11643-1999)', () => {
  it.each([
    ['11010519491231002X', true], // the standard's example
    ['110105194912310021', false], // wrong check digit
    ['11010519491331002X', false], // month 13
    ['11010519490230002X', false], // 30 February
    ['1101051949123100', false],
    ['11010519491231002x', false],
  ])('%s → %s', (id, valid) => {
    expect(isValidResidentId(id)).toBe(valid);
  });

  it('gives the check character', () => {
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
  });
});

describe('mobile numbers and masks', () => {
  it.each([
    ['13812345678', true],
    ['19912345678', true],
    ['12812345678', false],
    ['1381234567', false],
    ['+8613812345678', false],
  ])('%s → %s', (phone, valid) => expect(isValidMobile(phone)).toBe(valid));

  it.each([
    ['13877001234', '13877001234'],
    ['138 7700 1234', '13877001234'],
    ['138-7700-1234', '13877001234'],
    ['+86 138 7700 1234', '13877001234'],
    ['+8613877001234', '13877001234'],
    ['008613877001234', '13877001234'],
    ['8613877001234', '13877001234'],
    ['0771-5551234', '0771-5551234'], // a landline: left as given, then refused as no mobile number
    ['12345', '12345'],
  ])('a mobile number sent as %s is read as %s', (given, read) => expect(normalizeMobile(given)).toBe(read));

  it('masks ID numbers and phones as the rules show them', () => {
    expect(maskIdNumber('450102199001011234')).toBe('4501**********1234');
    expect(maskPhone('13812345678')).toBe('138****5678');
  });
});

describe('R9 applicants', async () => {
  const { checkApplicant, maskName, maskApplicant } = await import('../../src/domain/applicants.ts');
  it.each([
    ['张三', '张**'],
    ['欧阳娜娜', '欧**'],
    ['李', '*'],
    ['广西某某有限公司', '广**'],
  ])('masks the name %s as %s', (name, masked) => expect(maskName(name)).toBe(masked));

  it('masks every part', () => {
    expect(maskApplicant({ name: '张三', idType: 'resident_id', idNumber: '450102199001011234', phone: '13812345678' })).toEqual({
      name: '张**',
      idType: 'resident_id',
      idNumber: '4501**********1234',
      phone: '138****5678',
    });
  });

  it.each([
    [{ name: '张三', idType: 'resident_id', idNumber: '11010519491231002X' }, []],
    [{ name: '张三', idType: 'resident_id', idNumber: '110105194912310021' }, ['/a/idNumber']],
    [{ name: '某公司', idType: 'uscc', idNumber: '91350100M000100Y43' }, []],
    [{ name: '', idType: 'passport', idNumber: 'E12345678', phone: '123' }, ['/a/name', '/a/phone']],
  ] as const)('%j → problems at %j', (input, fields) => {
    expect(checkApplicant(input, '/a').problems.map((p) => p.field)).toEqual(fields);
  });
});
