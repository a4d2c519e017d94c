// Identifiers the catalogue checks before it stores them (R2).

const CREDIT_CODE_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/**
 * R2: an agency is identified by its unified social credit code
 * (统一社会信用代码, GB 32100-2015): 18 characters from a 31-letter alphabet
 * (no I, O, S, V, Z), the last a check character over the first 17.
 */
export function creditCodeCheckChar(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = CREDIT_CODE_CHARS.indexOf(first17[i]!);
    if (value < 0) return null;
    sum += value * CREDIT_CODE_WEIGHTS[i]!;
  }
  return CREDIT_CODE_CHARS[(31 - (sum % 31)) % 31]!;
}

export function isValidCreditCode(code: string): boolean {
  return code.length === 18 && creditCodeCheckChar(code.slice(0, 17)) === code[17];
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/**
 * The 18-digit resident ID number (GB 11643-1999): 6-digit division code,
 * birth date YYYYMMDD, 3-digit sequence, ISO 7064 MOD 11-2 check (0-9 or X).
 */
export function isValidResidentId(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const birth = id.slice(6, 14);
  const date = new Date(`${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10).replace(/-/g, '') !== birth) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11] === id[17];
}

export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

/** A mainland mobile number: 11 digits starting 1[3-9]. */
export function isValidMobile(phone: string): boolean {
  return /^1[3-9]\d{9}$/.test(phone);
}

/**
 * A mobile number as business systems send it — "138 7700 1234",
 * "138-7700-1234", "+86 13877001234", "008613877001234" — as its 11 digits;
 * anything else is returned as given (and then refused as not a mobile number).
 */
export function normalizeMobile(phone: string): string {
  const digits = phone.trim().replace(/[\s\-()]/g, '');
  const national = digits.replace(/^(\+86|0086|86)(?=1\d{10}$)/, '');
  return /^1\d{10}$/.test(national) ? national : phone.trim();
}

// Masks for display (R9 applies the same to raters; staff contact data is
// protected the same way).
export const maskIdNumber = (id: string) => (id.length > 8 ? `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}` : '*'.repeat(id.length));
export const maskPhone = (phone: string) => (phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '*'.repeat(phone.length));
