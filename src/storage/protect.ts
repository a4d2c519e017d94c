// Protection at rest for personal data (R9, and staff's own ID number and
// phone, R2): AES-256-GCM with a fresh IV per value, and a keyed hash
// (HMAC-SHA-256) to find equal values without decrypting. Both keys are
// derived from one master key (HKDF), given as PROTECTION_KEY or kept in a
// key file that the first start creates.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const FORMAT = 'v1';
const IV_BYTES = 12;

// Random IVs drawn from a pool refilled 4 KiB at a time: one system call per
// 340 values instead of one per value (imports encrypt tens of thousands).
const ivPool = Buffer.alloc(IV_BYTES * 341);
let ivOffset = ivPool.length;
function nextIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    randomFillSync(ivPool);
    ivOffset = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivOffset, ivOffset + IV_BYTES));
  ivOffset += IV_BYTES;
  return iv;
}

export class Protector {
  readonly #encryptionKey: Buffer;
  readonly #hashKey: Buffer;
  readonly #signingKey: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('the protection key must be 32 bytes');
    this.#encryptionKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'haochaping/encrypt/v1', 32));
    this.#hashKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'haochaping/hash/v1', 32));
    this.#signingKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'haochaping/sign/v1', 32));
  }

  encrypt(plaintext: string): string {
    const iv = nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.#encryptionKey, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${FORMAT}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')}`;
  }

  decrypt(stored: string): string {
    const [format, payload] = stored.split(':');
    if (format !== FORMAT || !payload) throw new Error('not a protected value');
    const raw = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.#encryptionKey, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - 16)), decipher.final()]).toString('utf8');
  }

  /** A URL-safe signed token carrying `payload` (readable, not secret; tamper-evident). */
  sign(payload: object): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${createHmac('sha256', this.#signingKey).update(body).digest('base64url')}`;
  }

  /** The payload of a token this key signed, or null for anything else. */
  verify<T>(token: string): T | null {
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined) return null;
    const expected = createHmac('sha256', this.#signingKey).update(body).digest();
    const given = Buffer.from(mac, 'base64url');
    // Only the one spelling of the signature: base64url's last character has spare bits, and a token changed
    // in them would otherwise still pass (and count as another token for the per-token rate limit).
    if (given.toString('base64url') !== mac) return null;
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
    } catch {
      return null;
    }
  }

  /** Equal inputs (after trimming and upper-casing) give equal hashes. */
  hash(value: string): string {
    return createHmac('sha256', this.#hashKey).update(value.trim().toUpperCase()).digest('hex');
  }
}

/**
 * The master key: PROTECTION_KEY (base64 of 32 bytes) when given, otherwise
 * the key file in the data folder, created on first start. Losing the key
 * file makes protected values unreadable; back it up with the database.
 */
export function loadProtectionKey(options: { key?: string; dataDir: string }): { key: Buffer; source: string; created: boolean } {
  if (options.key) return { key: Buffer.from(options.key, 'base64'), source: 'PROTECTION_KEY', created: false };
  const file = path.join(options.dataDir, 'keys', 'protection.key');
  if (fs.existsSync(file)) return { key: Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'), source: file, created: false };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    fs.writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadProtectionKey(options);
    throw error;
  }
  return { key, source: file, created: true };
}
