// Password hashing with scrypt from node:crypto: a salt per password and the
// parameters stored beside the hash, so that they can be raised later
// without invalidating what is stored.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { passwordProblems } from '../domain/passwords.ts';
import { invalidFields } from '../domain/errors.ts';

const PARAMS = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;

const scryptAsync = (password: string, salt: Buffer, length: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(password.normalize('NFC'), salt, length, options, (error, key) => (error ? reject(error) : resolve(key))));

/** `scrypt$N$r$p$salt$hash` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_LENGTH, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 256 * 1024 * 1024,
  });
  return timingSafeEqual(key, expected);
}

/** A stored hash of nothing anyone knows: verifying against it costs what a real check costs. */
let decoy: Promise<string> | undefined;
export const decoyHash = () => (decoy ??= hashPassword(randomBytes(32).toString('base64')));

const COMMON_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'storage', 'seed', 'common-passwords.txt');
let common: Set<string> | undefined;
export function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(
    fs
      .readFileSync(COMMON_FILE, 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#')),
  );
  return common;
}

/** Throws 400 weak_password naming the field unless the password is acceptable. */
export function requireGoodPassword(password: string, username: string | undefined, field = '/body/password'): void {
  const problems = passwordProblems(password, { username, common: commonPasswords(), field });
  invalidFields(problems, 'weak_password');
}
