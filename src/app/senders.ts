// How messages leave the platform (issue 12). The outbox hands each message
// to a sender; a sender either returns (sent) or throws a SendFailure that
// says whether trying again could help. Two SMS senders:
// - local (the default): only records what would have been sent, one JSON
//   line per message in DATA_DIR/sms-outbox.log, the number masked (R9);
// - webhook: POSTs the message as JSON to the province's SMS gateway, signed
//   with HMAC-SHA256 (docs/outbox.md). The gateway may drop a repeat by the
//   Idempotency-Key header: a crash between its answer and our commit sends
//   the message again (at least once; never twice from two deliverers).
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SmsConfig } from '../config.ts';
import { maskPhone } from '../domain/identifiers.ts';

export interface SmsMessage {
  /** The outbox item: the same id on every attempt. */
  id: number;
  to: string;
  text: string;
  createdAt: Date;
}

export interface SmsSender {
  readonly name: string;
  /** Resolves when the message was accepted (a reference, if the gateway gives one); throws SendFailure otherwise. */
  send(message: SmsMessage): Promise<{ reference?: string }>;
}

export class SendFailure extends Error {
  constructor(
    message: string,
    /** True when trying again cannot help (the gateway refused the message itself). */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'SendFailure';
  }
}

/** Records what would have been sent, for development, the demo and tests. */
export class LocalSmsSender implements SmsSender {
  readonly name = 'local';
  constructor(readonly file: string) {}

  async send(message: SmsMessage) {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const line = JSON.stringify({ id: message.id, to: maskPhone(message.to), text: message.text, at: new Date().toISOString() });
    await fs.promises.appendFile(this.file, `${line}\n`, { mode: 0o600 });
    return { reference: `local-${message.id}` };
  }
}

/** The signature the gateway checks: HMAC-SHA256 of "{timestamp}.{body}" with the shared secret, in hex. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** POSTs each message to the province's SMS gateway. */
export class WebhookSmsSender implements SmsSender {
  readonly name = 'webhook';
  constructor(private readonly options: { url: string; secret: string; timeoutMs: number }) {}

  async send(message: SmsMessage) {
    const body = JSON.stringify({ id: message.id, to: message.to, text: message.text, createdAt: message.createdAt.toISOString() });
    const timestamp = String(Math.floor(Date.now() / 1000));
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': `hcp-outbox-${message.id}`,
          'x-hcp-timestamp': timestamp,
          'x-hcp-signature': `sha256=${webhookSignature(this.options.secret, timestamp, body)}`,
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : `${e.cause?.code ?? e.name}: ${e.message}`;
      throw new SendFailure(`the gateway could not be reached (${why})`, false);
    }
    const text = (await response.text().catch(() => '')).slice(0, 200);
    if (response.ok) {
      let reference: string | undefined;
      try {
        const parsed = JSON.parse(text) as { reference?: unknown };
        if (typeof parsed.reference === 'string') reference = parsed.reference.slice(0, 100);
      } catch {
        // an answer without a reference is fine
      }
      return { reference };
    }
    // 400, 413 and 422 refuse the message itself (a number the gateway will not take): trying again cannot help.
    // Anything else may pass later: 5xx, 408, 429, and 401, 403, 404 — the gateway's address or our secret is
    // wrong, which an operator fixes; meanwhile the messages wait instead of failing for good.
    const permanent = [400, 413, 422].includes(response.status);
    throw new SendFailure(`the gateway answered ${response.status}${text ? `: ${text}` : ''}`, permanent);
  }
}

export function smsSenderFor(config: SmsConfig, dataDir: string): SmsSender {
  return config.sender === 'webhook' ? new WebhookSmsSender(config) : new LocalSmsSender(path.join(dataDir, 'sms-outbox.log'));
}
