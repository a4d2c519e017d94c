// What a password must be (R9's confidentiality stands on the accounts that
// can reveal identities): at least 10 characters, not one of the 1,000 most
// common passwords nor one of them with digits or symbols added at the end
// (password2026!), not containing the username. The list is read by
// app/passwords.ts.
import type { FieldProblem } from './errors.ts';

export const PASSWORD_MIN_LENGTH = 10;
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
  return [];
}
