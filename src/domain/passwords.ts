// What a password must be (R9's confidentiality stands on the accounts that
// can reveal identities): at least 10 characters, not one of the 1,000 most
// common passwords nor one of them with digits or symbols added at the end
// (password2026!), not containing the username. The list is read by
// app/passwords.ts.
import type { FieldProblem } from './errors.ts';

export const PASSWORD_MIN_LENGTH = 10;
const MIN_DISTINCT = 5;

// Runs people type instead of a password; a password that is a stretch of one (either way) is refused.
const WALKS = [
  '1234567890',
  'qwertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  'abcdefghijklmnopqrstuvwxyz',
  '1q2w3e4r5t6y7u8i9o0p',
  'qazwsxedcrfvtgbyhnujmikolp',
  '1qaz2wsx3edc4rfv5tgb6yhn',
];

/** Whether the password (its digits or symbols at the end aside) is a stretch of a keyboard or alphabet run. */
export function isKeyboardWalk(lower: string): boolean {
  const stem = lower.replace(/[^\p{L}\p{N}]+$/u, '');
  if (stem.length < 6) return false;
  return WALKS.some((walk) => walk.includes(stem) || [...walk].reverse().join('').includes(stem) || (walk + walk).includes(stem));
}
export const PASSWORD_MAX_LENGTH = 200;

export function passwordProblems(password: string, context: { username?: string; common: ReadonlySet<string>; field?: string }): FieldProblem[] {
  const field = context.field ?? '/body/password';
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return [{ field, message: `must be at least ${PASSWORD_MIN_LENGTH} characters` }];
  if (length > PASSWORD_MAX_LENGTH) return [{ field, message: `must be at most ${PASSWORD_MAX_LENGTH} characters` }];
  const lower = password.toLowerCase();
  // The common ones are all shorter than the minimum: what people do is add digits or symbols (password2026!).
  const stem = lower.replace(/[^\p{L}]+$/u, '');
  if (context.common.has(lower) || context.common.has(stem))
    return [{ field, message: 'is one of the 1,000 most common passwords, or one with digits or symbols added; choose another' }];
  if (context.username && lower.includes(context.username.toLowerCase())) return [{ field, message: 'must not contain the username' }];
  if (new Set(lower.replace(/\s/g, '')).size < MIN_DISTINCT) return [{ field, message: `must use at least ${MIN_DISTINCT} different characters` }];
  if (isKeyboardWalk(lower)) return [{ field, message: 'is a run of keys or letters (1234567890, qwertyuiop, 1q2w3e4r…); choose another' }];
  return [];
}
