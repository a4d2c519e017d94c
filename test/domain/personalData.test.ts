// R9: personal data typed into a comment is found and masked.
import { describe, expect, it } from 'vitest';
import { classifyNumber, halfWidth, luhnValid, maskPersonalData } from '../../src/domain/personalData.ts';
import { residentId } from '../support/factories.ts';

const ID = residentId(42, '450102', '19850612'); // a valid 18-digit number
const fullWidth = (s: string) => [...s].map((c) => (/[0-9A-Za-z@.-]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');

describe('finding personal data in a comment', () => {
  it.each([
    ['a mobile number', '请打我电话13812345678谢谢', '请打我电话138****5678谢谢', ['mobile']],
    ['a mobile written with spaces', '电话 138 1234 5678。', '电话 138****5678。', ['mobile']],
    ['a mobile written with dashes', '138-1234-5678', '138****5678', ['mobile']],
    ['a mobile in full-width digits', `电话${fullWidth('13812345678')}`, '电话138****5678', ['mobile']],
    ['an ID number', `身份证${ID}办不了`, `身份证${ID.slice(0, 4)}**********${ID.slice(-4)}办不了`, ['resident_id']],
    ['an ID number in groups', `${ID.slice(0, 6)} ${ID.slice(6, 14)} ${ID.slice(14)}`, `${ID.slice(0, 4)}**********${ID.slice(-4)}`, ['resident_id']],
    ['an ID number in full width', fullWidth(ID), `${ID.slice(0, 4)}**********${ID.slice(-4)}`, ['resident_id']],
    ['a bank card in groups of four', '卡号 4111 1111 1111 1111 退款', '卡号 ************1111 退款', ['bank_card']],
    ['a landline with its area code', '打0771-5501234没人接', '打077****34没人接', ['landline']],
    ['an e-mail address', '发到 zhang.san@example.com 吧', '发到 z***@example.com 吧', ['email']],
    ['an e-mail address in full width', `邮箱${fullWidth('li@qq.com')}`, '邮箱l***@qq.com', ['email']],
    ['two at once', `电话13812345678，邮箱a@b.cn`, '电话138****5678，邮箱a***@b.cn', ['mobile', 'email']],
  ])('%s', (_, text, masked, kinds) => {
    expect(maskPersonalData(text)).toEqual({ masked, found: kinds });
  });

  it.each([
    ['a waiting time', '排队等了45分钟'],
    ['a date and a window number', '2026年11月3日在12号窗口'],
    ['a case number', '办件编号 NN20261103001'],
    ['18 digits that are not an ID number (bad check digit)', `编号${ID.slice(0, 17)}${ID.endsWith('0') ? '1' : '0'}`],
    ['16 digits that fail Luhn', '4111 1111 1111 1112'],
    ['a phone-like number starting 12', '12812345678'],
  ])('leaves %s alone', (_, text) => {
    expect(maskPersonalData(text)).toEqual({ masked: text, found: [] });
  });

  it('reads full-width characters as their ASCII twins, one for one', () => {
    expect(halfWidth('１３８　－＠Ａｚ')).toBe('138 -@Az');
    expect(halfWidth('１３８').length).toBe(3);
  });

  it.each([
    ['4111111111111111', true],
    ['6011111111111117', true],
    ['4111111111111112', false],
  ])('Luhn %s → %s', (digits, valid) => expect(luhnValid(digits)).toBe(valid));

  it.each([
    ['13912345678', 'mobile'],
    [ID, 'resident_id'],
    ['450102850612123', 'resident_id'], // 15-digit (first generation)
    ['4111111111111111', 'bank_card'],
    ['01012345678', 'landline'],
    ['12345678', null],
  ])('%s is %s', (digits, kind) => expect(classifyNumber(digits)).toBe(kind));
});
