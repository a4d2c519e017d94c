// Signed tokens (rating links, issue 12): any change to a token makes it
// invalid, including a change in the spare bits of the signature's last
// base64url character, which would otherwise decode to the same bytes.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Protector } from '../../src/storage/protect.ts';

const protector = new Protector(randomBytes(32));
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('signed tokens', () => {
  it('verify as signed', () => {
    const token = protector.sign({ v: 1, o: 7 });
    expect(protector.verify(token)).toEqual({ v: 1, o: 7 });
  });

  it('any one character changed anywhere makes the token invalid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.nat(), fc.nat({ max: 63 }), (o, at, pick) => {
        const token = protector.sign({ v: 1, o });
        const i = at % token.length;
        if (token[i] === '.') return;
        const other = ALPHABET[pick] === token[i] ? ALPHABET[(pick + 1) % 64]! : ALPHABET[pick]!;
        expect(protector.verify(token.slice(0, i) + other + token.slice(i + 1))).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });
});
