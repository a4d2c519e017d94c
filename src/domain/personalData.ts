// R9, beyond the letter of any rule: a rater sometimes types a phone number,
// an ID number, a bank card or an e-mail address into the comment. What is
// found is masked in the comment everyone sees; the original is kept
// encrypted with the rater's identity and shown only through the audited
// reveal. Pure: text in, masked text and what was found out.
import { isValidResidentId } from './identifiers.ts';

export type PersonalDataKind = 'mobile' | 'landline' | 'resident_id' | 'bank_card' | 'email';

export interface Found {
  kind: PersonalDataKind;
  start: number;
  end: number;
}

/**
 * Full-width digits, letters and signs (０-９, Ａ-Ｚ, ＠, －, ．, the
 * ideographic space) read as their ASCII twins, one character for one, so
 * that positions in the normalised text are positions in the original.
 */
export function halfWidth(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code === 0x3000) out += ' ';
    else if (code >= 0xff01 && code <= 0xff5e) out += String.fromCharCode(code - 0xfee0);
    else out += ch;
  }
  return out;
}

/** Luhn's check, which bank card numbers carry. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** What a run of digits (separators removed) is, if it is personal data. */
export function classifyNumber(digits: string): PersonalDataKind | null {
  if (/^1[3-9]\d{9}$/.test(digits)) return 'mobile';
  if (/^\d{17}[\dX]$/i.test(digits) && isValidResidentId(digits.toUpperCase())) return 'resident_id';
  if (/^\d{15}$/.test(digits) && /^[1-8]\d{5}\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}$/.test(digits)) return 'resident_id';
  if (/^\d{16,19}$/.test(digits) && luhnValid(digits)) return 'bank_card';
  // A landline with its area code: 0 + 2-3 digits + 7-8 digits (0771-5501234, 010 12345678).
  if (/^0\d{9,11}$/.test(digits)) return 'landline';
  return null;
}

// Runs of digits that may be split by spaces, dashes or dots, possibly ending in X (an ID number).
const NUMBER_RUN = /(?<![\dA-Za-z])\d(?:[ \-.]?\d){6,22}(?:[ \-.]?[Xx])?(?![\dA-Za-z])/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** Every piece of personal data in the text, by position in the text as given. */
export function findPersonalData(text: string): Found[] {
  const plain = halfWidth(text);
  // Positions are counted in UTF-16 units of the normalised text, which match the original's
  // (every character mapped is in the BMP, one unit for one).
  const found: Found[] = [];
  for (const m of plain.matchAll(EMAIL)) found.push({ kind: 'email', start: m.index, end: m.index + m[0].length });
  for (const m of plain.matchAll(NUMBER_RUN)) {
    const start = m.index;
    const end = start + m[0].length;
    if (found.some((f) => start < f.end && end > f.start)) continue; // inside an e-mail address
    const kind = classifyNumber(m[0].replace(/[ \-.]/g, ''));
    if (kind) found.push({ kind, start, end });
  }
  return found.sort((a, b) => a.start - b.start);
}

/** How a piece is shown: enough to recognise it by (the last four), never enough to use it. */
export function maskPiece(kind: PersonalDataKind, original: string): string {
  const plain = halfWidth(original);
  if (kind === 'email') {
    const [user, domain] = plain.split('@');
    return `${user!.slice(0, 1)}***@${domain}`;
  }
  const digits = plain.replace(/[^\dXx]/g, '');
  switch (kind) {
    case 'mobile':
      return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
    case 'resident_id':
      return `${digits.slice(0, 4)}${'*'.repeat(digits.length - 8)}${digits.slice(-4)}`;
    case 'bank_card':
      return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
    case 'landline':
      return `${digits.slice(0, 3)}****${digits.slice(-2)}`;
  }
}

/** The text with every piece of personal data masked, and whether anything was. */
export function maskPersonalData(text: string): { masked: string; found: PersonalDataKind[] } {
  const pieces = findPersonalData(text);
  let masked = '';
  let at = 0;
  for (const p of pieces) {
    masked += text.slice(at, p.start) + maskPiece(p.kind, text.slice(p.start, p.end));
    at = p.end;
  }
  masked += text.slice(at);
  return { masked, found: pieces.map((p) => p.kind) };
}
