// What a password must be (R9's confidentiality stands on the accounts that
// can reveal identities): at least 10 characters, not one of the 1,000 most
// common passwords, not the username. The list is read by app/passwords.ts.
import type { FieldProblem } from './errors.ts';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

export function passwordProblems(password: string, context: { username?: string; common: ReadonlySet<string>; field?: string }): FieldProblem[] {
  const field = context.field ?? '/body/password';
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return [{ field, message: `must be at least ${PASSWORD_MIN_LENGTH} characters` }];
  if (length > PASSWORD_MAX_LENGTH) return [{ field, message: `must be at most ${PASSWORD_MAX_LENGTH} characters` }];
  const lower = password.toLowerCase();
  if (context.common.has(lower)) return [{ field, message: 'is one of the 1,000 most common passwords; choose another' }];
  if (context.username && lower.includes(context.username.toLowerCase())) return [{ field, message: 'must not contain the username' }];
  return [];
}
