// R6, R7: the SMS invitation — who served, what was done, until when — in one SMS.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invitationText, lastRatingDay, ratingLink, SMS_TEXT_MAX } from '../../src/domain/invitations.ts';
import { ratingDeadline } from '../../src/domain/occasions.ts';

const chars = (s: string) => [...s].length;

describe('the SMS invitation (R6, R7)', () => {
  it.each([
    // occurred (UTC)            China day      last day to rate (R6: 7 natural days, until 24:00)
    ['2026-11-26T01:00:00Z', '11月26日', '12月3日24时'],
    ['2026-11-26T16:30:00Z', '11月27日', '12月4日24时'],
    ['2026-12-28T02:00:00Z', '12月28日', '1月4日24时'],
  ])('an occasion at %s (China day %s) may be rated until %s', (at, _day, last) => {
    expect(lastRatingDay(ratingDeadline(new Date(at)))).toBe(last);
  });

  it('says who served, what was done and until when', () => {
    const text = invitationText({ kind: 'acceptance', staffName: '韦一', what: '不动产登记', deadline: ratingDeadline(new Date('2026-11-26T01:00:00Z')) });
    expect(text).toBe('【政务服务好差评】韦一为您办理的“不动产登记”已受理，请于12月3日24时前评价：');
    expect(chars(text)).toBeLessThanOrEqual(SMS_TEXT_MAX);
  });

  it('a package as a whole names no staff member (R8)', () => {
    const text = invitationText({ kind: 'composite', staffName: null, what: '开办企业一件事', deadline: ratingDeadline(new Date('2026-11-26T01:00:00Z')) });
    expect(text).toBe('【政务服务好差评】您办理的“开办企业一件事”已办结，请于12月3日24时前评价：');
  });

  it('shortens a long matter or staff name with … and never passes 70 characters, whatever the names', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('acceptance', 'completion', 'approval', 'delivery', 'composite' as const),
        fc.option(
          fc.string({ minLength: 1, maxLength: 50 }).filter((s) => s.trim().length > 0),
          { nil: null },
        ),
        fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim().length > 0),
        fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }),
        (kind, staffName, what, at) => {
          const text = invitationText({ kind, staffName: staffName ?? null, what, deadline: ratingDeadline(at) });
          expect(chars(text)).toBeLessThanOrEqual(SMS_TEXT_MAX);
          expect(text.startsWith('【政务服务好差评】')).toBe(true);
          expect(text.endsWith('前评价：')).toBe(true);
        },
      ),
    );
  });

  it('the link is {PUBLIC_URL}/r/{token}; the receipt’s QR code says so', () => {
    expect(ratingLink('https://hcp.gxzf.gov.cn/', 'abc.def')).toBe('https://hcp.gxzf.gov.cn/r/abc.def');
    expect(ratingLink('https://hcp.gxzf.gov.cn', 'abc.def', 'qr')).toBe('https://hcp.gxzf.gov.cn/r/abc.def?via=qr');
  });
});
