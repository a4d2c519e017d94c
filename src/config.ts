// Configuration from the environment, validated once at boot.
// Every variable is documented in .env.example; a bad value gives one line
// naming the variable, and the process exits non-zero before touching the
// database.
import path from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export type DatabaseConfig = { kind: 'server'; url: string; poolMax: number } | { kind: 'embedded'; dataDir: string };

export interface Config {
  host: string;
  port: number;
  database: DatabaseConfig;
  /** Folder of everything the embedded platform keeps on disk (database, key files). */
  dataDir: string;
  logLevel: LogLevel;
  /** How long a graceful shutdown waits for in-flight requests before giving up. */
  shutdownTimeoutMs: number;
  /** Whether `serve` also runs the job scheduler (pg-boss). */
  jobs: boolean;
  /** Registers test-only routes; never set outside the test suite. */
  testRoutes: boolean;
  /** Base64 of the 32-byte master key protecting personal data; unset → a key file in dataDir. */
  protectionKey?: string;
  /** Requests per minute, per user, API client, device, invitation token; and per address for callers with no identity. */
  rateLimits: RateLimits;
  /** Origins allowed to call the API from a browser (CORS); empty: none but our own pages. */
  corsOrigins: string[];
  /** Behind a reverse proxy: trust its X-Forwarded-For / -Proto (for source addresses and Secure cookies). */
  trustProxy: boolean;
  /** First start only: creates the user `admin` with this password (HCP_ADMIN_PASSWORD). */
  adminPassword?: string;
  /** A whole request (headers and body) must arrive within this (REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** Connections served at once (MAX_CONNECTIONS); more are refused by the server. */
  maxConnections: number;
  /** Where citizens reach this platform: the base of the rating links in SMS and QR codes (PUBLIC_URL); unset: the address `serve` listens on. */
  publicUrl?: string;
  /** How SMS leave the platform (issue 12): recorded locally, or POSTed to the province's SMS gateway. */
  sms: SmsConfig;
  /** Group commit of ratings (issue 15): how long a batch stays open, and its largest size (RATING_BATCH_WINDOW_MS, RATING_BATCH_MAX). */
  ratingBatch: { windowMs: number; maxSize: number };
}

export type SmsConfig = { sender: 'local' } | { sender: 'webhook'; url: string; secret: string; timeoutMs: number };

export interface RateLimits {
  user: number;
  client: number;
  device: number;
  token: number;
  anonymous: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return fallback;
  }
  return Number(raw);
}

function flag(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  problems.push(`${name} must be true or false (got ${JSON.stringify(raw)})`);
  return fallback;
}

/** Issue 15: memory for cached rankings in MB (RANKING_CACHE_MB, default 64; 0 turns the cache off). */
export function rankingCacheMb(env: Env = process.env, problems: string[] = []): number {
  return integer(env, 'RANKING_CACHE_MB', 64, 0, 4096, problems);
}

/** The URL with its password replaced, safe to print in logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

function databaseUrl(env: Env, problems: string[]): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`DATABASE_URL must be a postgres:// URL, or unset for the embedded database (got ${JSON.stringify(redactUrl(raw))})`);
    return undefined;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    problems.push(`DATABASE_URL must start with postgres:// or postgresql:// (got ${JSON.stringify(url.protocol)}); unset it for the embedded database`);
    return undefined;
  }
  if (!url.hostname && !url.searchParams.get('host')) {
    problems.push(`DATABASE_URL names no host (got ${JSON.stringify(redactUrl(raw))})`);
    return undefined;
  }
  return raw;
}

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const port = integer(env, 'PORT', 3000, 0, 65535, problems);
  const host = env.HOST?.trim() || '127.0.0.1';
  const dataDir = path.resolve(cwd, env.DATA_DIR?.trim() || 'data');
  const url = databaseUrl(env, problems);
  const poolMax = integer(env, 'DATABASE_POOL_MAX', 10, 1, 1000, problems);
  const logLevel = (env.LOG_LEVEL?.trim() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(env.LOG_LEVEL)})`);
  }
  const shutdownTimeoutMs = integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000, problems);
  const jobs = flag(env, 'JOBS', true, problems);
  const testRoutes = flag(env, 'HAOCHAPING_TEST_ROUTES', false, problems);
  const protectionKey = env.PROTECTION_KEY?.trim() || undefined;
  if (protectionKey && Buffer.from(protectionKey, 'base64').length !== 32) {
    problems.push('PROTECTION_KEY must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)');
  }
  const rateLimits: RateLimits = {
    user: integer(env, 'RATE_LIMIT_USER', 600, 1, 1_000_000, problems),
    client: integer(env, 'RATE_LIMIT_CLIENT', 60_000, 1, 10_000_000, problems),
    device: integer(env, 'RATE_LIMIT_DEVICE', 120, 1, 1_000_000, problems),
    token: integer(env, 'RATE_LIMIT_TOKEN', 30, 1, 1_000_000, problems),
    anonymous: integer(env, 'RATE_LIMIT_ANONYMOUS', 300, 1, 1_000_000, problems),
  };
  const corsOrigins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin))
      problems.push(`CORS_ORIGINS must be a comma-separated list of origins like https://console.example.gov.cn (got ${JSON.stringify(origin)})`);
  }
  const trustProxy = flag(env, 'TRUST_PROXY', false, problems);
  const adminPassword = env.HCP_ADMIN_PASSWORD || undefined;
  const requestTimeoutMs = integer(env, 'REQUEST_TIMEOUT_MS', 120_000, 1000, 3_600_000, problems);
  const maxConnections = integer(env, 'MAX_CONNECTIONS', 2000, 1, 1_000_000, problems);
  const publicUrl = env.PUBLIC_URL?.trim().replace(/\/+$/, '') || undefined;
  if (publicUrl && !/^https?:\/\/[^/\s]+(\/[^\s]*)?$/.test(publicUrl))
    problems.push(`PUBLIC_URL must be an http(s) URL like https://hcp.gxzf.gov.cn (got ${JSON.stringify(publicUrl)})`);
  const sms = smsConfig(env, problems);
  const ratingBatch = {
    windowMs: integer(env, 'RATING_BATCH_WINDOW_MS', 2, 0, 100, problems),
    maxSize: integer(env, 'RATING_BATCH_MAX', 256, 1, 5000, problems),
  };
  // Read where it is used (src/app/rankingCache.ts); checked here so that a bad value stops the start.
  rankingCacheMb(env, problems);
  if (problems.length) throw new ConfigError(problems);
  return {
    host,
    port,
    database: url ? { kind: 'server', url, poolMax } : { kind: 'embedded', dataDir: path.join(dataDir, 'pglite') },
    dataDir,
    logLevel,
    shutdownTimeoutMs,
    jobs,
    testRoutes,
    protectionKey,
    rateLimits,
    corsOrigins,
    trustProxy,
    adminPassword,
    requestTimeoutMs,
    maxConnections,
    publicUrl,
    sms,
    ratingBatch,
  };
}

function smsConfig(env: Env, problems: string[]): SmsConfig {
  const sender = env.SMS_SENDER?.trim() || 'local';
  if (sender === 'local') return { sender };
  if (sender !== 'webhook') {
    problems.push(`SMS_SENDER must be local or webhook (got ${JSON.stringify(sender)})`);
    return { sender: 'local' };
  }
  const url = env.SMS_WEBHOOK_URL?.trim() ?? '';
  const secret = env.SMS_WEBHOOK_SECRET ?? '';
  const timeoutMs = integer(env, 'SMS_WEBHOOK_TIMEOUT_MS', 5000, 100, 60_000, problems);
  if (!/^https?:\/\/[^/\s]+/.test(url)) problems.push(`SMS_WEBHOOK_URL must be the gateway's http(s) URL when SMS_SENDER=webhook (got ${JSON.stringify(url)})`);
  if (secret.length < 32) problems.push('SMS_WEBHOOK_SECRET must be at least 32 characters when SMS_SENDER=webhook (it signs each message, HMAC-SHA256)');
  return { sender, url, secret, timeoutMs };
}
