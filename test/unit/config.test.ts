import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactUrl } from '../../src/config.ts';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env, '/srv/hcp');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('config', () => {
  it('defaults to the embedded database under ./data', () => {
    const config = loadConfig({}, '/srv/hcp');
    expect(config.port).toBe(3000);
    expect(config.database).toEqual({ kind: 'embedded', dataDir: path.join('/srv/hcp/data/pglite') });
  });

  it('sends SMS locally unless told the gateway (issue 12); rating links follow PUBLIC_URL', () => {
    expect(loadConfig({}, '/srv/hcp')).toMatchObject({ sms: { sender: 'local' }, publicUrl: undefined });
    const config = loadConfig(
      { SMS_SENDER: 'webhook', SMS_WEBHOOK_URL: 'https://sms.example.gov.cn/send', SMS_WEBHOOK_SECRET: 's'.repeat(40), PUBLIC_URL: 'https://hcp.gxzf.gov.cn/' },
      '/srv/hcp',
    );
    expect(config.sms).toEqual({ sender: 'webhook', url: 'https://sms.example.gov.cn/send', secret: 's'.repeat(40), timeoutMs: 5000 });
    expect(config.publicUrl).toBe('https://hcp.gxzf.gov.cn');
  });

  it('uses the server when DATABASE_URL is a postgres URL', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://u:p@db:5432/hcp', DATABASE_POOL_MAX: '20' }, '/srv/hcp');
    expect(config.database).toEqual({ kind: 'server', url: 'postgresql://u:p@db:5432/hcp', poolMax: 20 });
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT must be a whole number from 0 to 65535 \(got "abc"\)$/],
    [{ PORT: '70000' }, /^PORT must be/],
    [{ PORT: '-1' }, /^PORT must be/],
    [{ PORT: '3000.5' }, /^PORT must be/],
    [{ DATABASE_URL: 'mysql://root@localhost/x' }, /^DATABASE_URL must start with postgres:\/\//],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL must be a postgres:\/\/ URL/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ JOBS: 'maybe' }, /^JOBS must be true or false/],
    [{ SHUTDOWN_TIMEOUT_MS: 'soon' }, /^SHUTDOWN_TIMEOUT_MS must be/],
    [{ PUBLIC_URL: 'hcp.gxzf.gov.cn' }, /^PUBLIC_URL must be an http\(s\) URL/],
    [{ SMS_SENDER: 'carrier-pigeon' }, /^SMS_SENDER must be local or webhook/],
    [{ SMS_SENDER: 'webhook', SMS_WEBHOOK_SECRET: 'x'.repeat(32) }, /^SMS_WEBHOOK_URL must be the gateway's http\(s\) URL/],
    [{ SMS_SENDER: 'webhook', SMS_WEBHOOK_URL: 'https://sms.example.gov.cn/send', SMS_WEBHOOK_SECRET: 'short' }, /^SMS_WEBHOOK_SECRET must be at least 32/],
  ])('%j is refused with one line', (env, message) => {
    const found = problems(env);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it('reports every bad value, one line each', () => {
    expect(problems({ PORT: 'x', DATABASE_URL: 'redis://x', LOG_LEVEL: 'y' })).toHaveLength(3);
  });

  it('never prints a database password', () => {
    expect(problems({ DATABASE_URL: 'mysql://admin:hunter2@db/x' }).join()).not.toContain('hunter2');
    expect(redactUrl('postgres://admin:hunter2@db:5432/x')).toBe('postgres://admin:***@db:5432/x');
  });
});
