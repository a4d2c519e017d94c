// Issue 12: sends what the outbox holds (SMS invitations, R7) through the
// configured sender, every minute. Safe to run from two processes at once:
// each item is taken FOR UPDATE SKIP LOCKED (app/outbox.ts).
import { deliverOutbox } from '../app/outbox.ts';
import type { JobDefinition } from './schedule.ts';

export const deliverOutboxJob: JobDefinition = {
  name: 'deliver-outbox',
  cron: '* * * * *',
  description: 'Issue 12: send due outbox items (SMS invitations); retry failures with backoff; fail them for good after 10 attempts',
  async run({ services, now }) {
    const r = await deliverOutbox({ db: services.db, protector: services.protector, sms: services.outbox.sms }, now);
    return `${r.sent} sent, ${r.retried} to retry, ${r.failed} failed, ${r.cancelled} no longer wanted (sender ${services.outbox.sms.name})`;
  },
};
