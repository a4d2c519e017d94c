// Issue 13: the supervision loop through the API, on a real database: R6 text
// review, R12 verification and rectification with feedback to the rater,
// R11 revocation under the two-person rule (the scores move back; as-of
// still shows what was published), appeals, IT incidents, evidence, the
// queues by scope, and the deadline job with the fake clock.
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { deliverOutbox } from '../../src/app/outbox.ts';
import { verifyScores } from '../../src/app/scores.ts';
import { runDeadlines } from '../../src/app/supervision.ts';
import { useTestApp } from '../support/app.ts';
import { signedIn, TEST_PASSWORD } from '../support/auth.ts';
import { signIn, SourceThrottle } from '../../src/app/users.ts';
import { RecordingSender } from '../support/services.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';
import { buildAgency, buildMatter, buildStaff } from '../support/factories.ts';
import { createEntity } from '../../src/app/catalogue.ts';
import { systemCaller } from '../../src/app/context.ts';

const { app, services, clock, database } = useTestApp();
let world: Awaited<ReturnType<typeof buildWorld>>;
const tokens: Record<string, string> = {};
let seq = 0;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const call = async (who: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
  const res = await app().inject({ method, url, payload, headers: { authorization: `Bearer ${tokens[who]}` } });
  return { status: res.statusCode, body: (String(res.headers['content-type']).includes('json') ? res.json() : res.body) as Json };
};
const anonymous = async (method: 'GET' | 'POST', url: string, payload?: object) => {
  const res = await app().inject({ method, url, payload, headers: { authorization: '' } });
  return { status: res.statusCode, body: res.json() as Json };
};

/** A case of agency A (兴宁区, Nanning), rated negative through its SMS link; returns the rating, its link and the staff. */
async function negativeRating(o: { comment?: string | null; tags?: string[]; level?: string; at?: string } = {}) {
  const caseNumber = `SV-${++seq}`;
  const business = (url: string, payload?: object) => app().inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${world.businessKey}` } });
  const created = await business('/api/v1/cases', {
    caseNumber,
    matterCode: world.promised.code,
    applicant: buildApplicant({ phone: '13877005678' }),
    staffNumber: world.staffA.staffNumber,
    acceptedAt: o.at ?? clock.now().toISOString(),
  });
  expect(created.statusCode).toBe(201);
  const occasion = (created.json() as { occasions: { id: number; kind: string }[] }).occasions.find((x) => x.kind === 'acceptance')!;
  const invitation = (await business(`/api/v1/occasions/${occasion.id}/invitations`)).json() as { token: string };
  const rated = await anonymous('POST', '/api/v1/ratings', {
    token: invitation.token,
    level: o.level ?? 'very_dissatisfied',
    channel: 'sms',
    tags: o.tags ?? ['attitude.indifferent'],
    comment: o.comment === undefined ? '窗口人员态度冷漠，让我跑了三次' : o.comment,
  });
  expect(rated.status).toBe(201);
  return { ratingId: rated.body.id as number, token: invitation.token, caseNumber };
}

const itemsOf = async (ratingId: number, who = 'supXingning') =>
  ((await call(who, 'GET', `/api/v1/supervision/items?rating=${ratingId}&status=all`)).body.items as Json[]).sort((a, b) => a.id - b.id);
const itemOf = async (ratingId: number, workflow: string, who = 'supXingning') => (await itemsOf(ratingId, who)).filter((i) => i.workflow === workflow).at(-1)!;
const step = (who: string, itemId: number, body: object) => call(who, 'POST', `/api/v1/supervision/items/${itemId}/steps`, body);
const outbox = async () =>
  (
    await sql<{ id: number; topic: string; body: string; occasion_id: number }>`select id, topic, body, occasion_id from outbox order by id`.execute(
      database().db,
    )
  ).rows;
const staffScore = async (query = 'period=2026-11') => (await call('admin', 'GET', `/api/v1/scores/staff/${world.staffA.staffNumber}?${query}`)).body;

const USERS: Record<string, string> = {};
/** Moves the fake clock; sessions idle for 8 hours end (issue 9), so everyone signs in again. */
async function moveClock(to: string | number) {
  if (typeof to === 'number') clock.advance(to);
  else clock.set(to);
  for (const [who, username] of Object.entries(USERS))
    tokens[who] = (
      await signIn(services(), { actor: { type: 'anonymous' }, sourceIp: '127.0.0.1' }, new SourceThrottle(), { username, password: TEST_PASSWORD })
    ).token;
}

beforeAll(async () => {
  await moveClock('2026-11-02T02:00:00Z');
  world = await buildWorld(services(), 'SV');
  tokens.admin = await signedIn(services(), 'admin', undefined, (USERS.admin = 'sv-admin'));
  tokens.supXingning = await signedIn(services(), 'supervisor', { regionCode: '450102000000' }, (USERS.supXingning = 'sv-sup-xingning'));
  tokens.supXingning2 = await signedIn(services(), 'supervisor', { regionCode: '450102000000' }, (USERS.supXingning2 = 'sv-sup-xingning-2'));
  tokens.supGx = await signedIn(services(), 'supervisor', { regionCode: '450000000000' }, (USERS.supGx = 'sv-sup-gx'));
  tokens.supNanning = await signedIn(services(), 'supervisor', { regionCode: '450100000000' }, (USERS.supNanning = 'sv-sup-nanning'));
  tokens.supQingxiu = await signedIn(services(), 'supervisor', { regionCode: '450103000000' }, (USERS.supQingxiu = 'sv-sup-qingxiu'));
  tokens.agencyA = await signedIn(services(), 'agency_manager', { agencyCode: world.agencyA.code }, (USERS.agencyA = 'sv-agency-a'));
  tokens.agencyB = await signedIn(services(), 'agency_manager', { agencyCode: world.agencyB.code }, (USERS.agencyB = 'sv-agency-b'));
  tokens.auditor = await signedIn(services(), 'auditor', undefined, (USERS.auditor = 'sv-auditor'));
});

describe('R6: a negative rating with text enters review in the queue of its agency’s region', () => {
  it('is in the 兴宁区 department’s own queue, due 24:00 of the 15th natural day, and nowhere outside the scope', async () => {
    const { ratingId } = await negativeRating();
    const review = await itemOf(ratingId, 'review');
    expect(review).toMatchObject({ state: 'pending', regionCode: '450102000000', agencyCode: world.agencyA.code, daysLeft: 15 });
    // Rated on 2026-11-02 (China): 15 natural days end at 24:00 of 11-17.
    expect(review.dueAt).toBe('2026-11-17T16:00:00.000Z');
    const own = (await call('supXingning', 'GET', '/api/v1/supervision/items?workflow=review&queue=own')).body.items as Json[];
    expect(own.map((i) => i.id)).toContain(review.id);
    // The city department sees it within its region, but it is not in its own queue.
    expect(((await call('supNanning', 'GET', '/api/v1/supervision/items?workflow=review&queue=own')).body.items as Json[]).map((i) => i.id)).not.toContain(
      review.id,
    );
    expect(((await call('supNanning', 'GET', '/api/v1/supervision/items?workflow=review&queue=all')).body.items as Json[]).map((i) => i.id)).toContain(
      review.id,
    );
    // Another district's department: the item does not exist for it.
    expect((await call('supQingxiu', 'GET', `/api/v1/supervision/items/${review.id}`)).status).toBe(404);
    expect((await step('supQingxiu', review.id, { event: 'approve' })).status).toBe(404);
    expect((await call('agencyB', 'GET', `/api/v1/supervision/items/${review.id}`)).status).toBe(404);
  });

  it('a street’s agency has no department of its own: its items are in its district’s queue (escalated to the city)', async () => {
    const SYSTEM = systemCaller('test');
    const street = await createEntity(
      services(),
      SYSTEM,
      'agencies',
      buildAgency({ businessLineCode: world.line.code, regionCode: '450102001000', name: '民生街道便民服务中心' }),
    );
    const staff = await createEntity(services(), SYSTEM, 'staff', buildStaff({ staffNumber: 'SV-STREET', agencyCode: street.code }));
    const matter = await createEntity(
      services(),
      SYSTEM,
      'matters',
      buildMatter({ code: 'SV-STR-0001', businessLineCode: world.line.code, agencyCode: street.code, kind: 'immediate', timeLimitDays: 0 }),
    );
    const res = await app().inject({
      method: 'POST',
      url: '/api/v1/cases',
      payload: {
        caseNumber: 'SV-STREET-1',
        matterCode: matter.code,
        applicant: buildApplicant(),
        staffNumber: staff.staffNumber,
        acceptedAt: clock.now().toISOString(),
      },
      headers: { authorization: `Bearer ${world.businessKey}` },
    });
    const occasion = (res.json() as { occasions: { id: number }[] }).occasions[0]!.id;
    const token = (
      await app().inject({ method: 'POST', url: `/api/v1/occasions/${occasion}/invitations`, headers: { authorization: `Bearer ${world.businessKey}` } })
    ).json().token;
    const rated = await anonymous('POST', '/api/v1/ratings', { token, level: 'dissatisfied', channel: 'sms', tags: ['efficiency.long_wait'] });
    const review = await itemOf(rated.body.id, 'review');
    expect(review).toMatchObject({ regionCode: '450102000000', agencyCode: street.code });
    expect(((await call('supXingning', 'GET', '/api/v1/supervision/items?queue=own&workflow=review')).body.items as Json[]).map((i) => i.id)).toContain(
      review.id,
    );
  });

  it('a rating without tags or text goes straight to verification', async () => {
    const { ratingId } = await negativeRating({ comment: null, tags: [] });
    expect((await itemsOf(ratingId)).map((i) => [i.workflow, i.state])).toEqual([['verification', 'pending']]);
  });

  it('a rejection needs a category and a reason; it voids the rating, tells the rater, and the score moves', async () => {
    const before = await staffScore();
    const { ratingId, token } = await negativeRating({ comment: '加微信 xx 代办各种证件' });
    const review = await itemOf(ratingId, 'review');
    const during = await staffScore();
    expect(during.count).toBe(before.count + 1); // R6: it counts until voided
    const missing = await step('supXingning', review.id, { event: 'reject', category: 'advertising' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields.map((f: Json) => f.field)).toEqual(['/body/reason']);
    expect((await itemOf(ratingId, 'review')).state).toBe('pending');
    const sent = (await outbox()).length;
    const rejected = await step('supXingning', review.id, {
      event: 'reject',
      category: 'advertising',
      reason: '内容为代办广告，与服务无关',
      version: review.version,
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ state: 'rejected', closedAt: expect.any(String) });
    const after = await staffScore();
    expect(after.count).toBe(before.count);
    expect(after.scoreSum).toBe(before.scoreSum);
    const told = (await outbox()).slice(sent);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ topic: 'feedback' });
    expect(told[0]!.body).toContain('不计入评价结果');
    expect(told[0]!.body).toContain('/r/');
    const page = await anonymous('GET', `/api/v1/invitations/${encodeURIComponent(token)}`);
    expect(page.body.supervision).toMatchObject({ stage: 'voided', feedback: [{ kind: 'review_rejected' }] });
    // Nothing more happens to it.
    const again = await step('supXingning', review.id, { event: 'approve' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ id: 'transition_not_allowed' });
    expect(again.body.error.message).toContain('rejected');
  });

  it('an agency manager may not review; an auditor reads but does nothing', async () => {
    const { ratingId } = await negativeRating();
    const review = await itemOf(ratingId, 'review');
    expect((await step('agencyA', review.id, { event: 'approve' })).status).toBe(403);
    expect((await call('auditor', 'GET', `/api/v1/supervision/items/${review.id}`)).body.allowedSteps).toEqual([]);
    expect((await step('auditor', review.id, { event: 'approve' })).status).toBe(403);
    expect((await call('supXingning', 'GET', `/api/v1/supervision/items/${review.id}`)).body.allowedSteps).toEqual(['approve', 'reject']);
  });

  it('two supervisors approving at the same moment: one wins, the other gets 409', async () => {
    const { ratingId } = await negativeRating();
    const review = await itemOf(ratingId, 'review');
    const [a, b] = await Promise.all([step('supXingning', review.id, { event: 'approve' }), step('supXingning2', review.id, { event: 'approve' })]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect((await itemsOf(ratingId)).filter((i) => i.workflow === 'verification')).toHaveLength(1);
    // A page showing the old version is told the item changed.
    const stale = await step('supXingning', review.id, { event: 'approve', version: review.version });
    expect(stale.status).toBe(409);
    expect(stale.body.error.id).toBe('item_changed');
  });
});

describe('R12: verification, rectification and the rater’s grade', () => {
  it('confirmed → a rectification due in 15 days → measures told to the rater → graded not satisfied → reopened once → closed', async () => {
    const { ratingId, token } = await negativeRating({ tags: ['efficiency.overdue'] });
    await step('supXingning', (await itemOf(ratingId, 'review')).id, { event: 'approve' });
    const verification = await itemOf(ratingId, 'verification');
    const detail = (await call('supXingning', 'GET', `/api/v1/supervision/items/${verification.id}`)).body;
    expect(detail.checks).toEqual([expect.objectContaining({ tag: 'efficiency.overdue', result: expect.any(String) })]);
    expect(detail.rating.comment).toBe('窗口人员态度冷漠，让我跑了三次');
    expect(JSON.stringify(detail)).not.toContain('13877005678');
    expect(detail.allowedSteps).toEqual(['confirm', 'find_objective', 'find_unfounded']);
    expect((await step('supXingning', verification.id, { event: 'confirm', findings: '经调取录像，属实' })).status).toBe(200);
    const rect = await itemOf(ratingId, 'rectification');
    expect(rect).toMatchObject({ state: 'open', dueAt: '2026-11-17T16:00:00.000Z' });
    // The agency records the measures; the rater is told.
    const sent = (await outbox()).length;
    const done = await step('agencyA', rect.id, { event: 'complete', measures: '已对窗口人员批评教育并调整岗位' });
    expect(done.status).toBe(200);
    expect(done.body.details).toMatchObject({ onTime: true });
    const told = (await outbox()).slice(sent);
    expect(told.map((m) => m.topic)).toEqual(['feedback']);
    expect(told[0]!.body).toContain('已对窗口人员批评教育并调整岗位');
    let page = await anonymous('GET', `/api/v1/invitations/${encodeURIComponent(token)}`);
    expect(page.body.supervision).toMatchObject({
      stage: 'rectified',
      rectification: { state: 'done', measures: '已对窗口人员批评教育并调整岗位', canGrade: true, canReopen: false },
    });
    // Reopening before grading is refused; grading not satisfied allows it, once.
    expect((await anonymous('POST', `/api/v1/invitations/${encodeURIComponent(token)}/rectification/reopen`)).body.error.id).toBe('not_graded_unsatisfied');
    const graded = await anonymous('POST', `/api/v1/invitations/${encodeURIComponent(token)}/rectification/grade`, { grade: 'not_satisfied' });
    expect(graded.status).toBe(200);
    expect(graded.body.rectification).toMatchObject({ grade: 'not_satisfied', canReopen: true, canGrade: false });
    await moveClock(6 * 86_400_000);
    const reopened = await anonymous('POST', `/api/v1/invitations/${encodeURIComponent(token)}/rectification/reopen`);
    expect(reopened.status).toBe(200);
    expect(reopened.body.rectification).toMatchObject({ state: 'open', reopened: true });
    expect((await itemOf(ratingId, 'rectification')).dueAt).toBe('2026-11-23T16:00:00.000Z'); // 15 natural days from 11-08
    await step('agencyA', rect.id, { event: 'complete', measures: '已退还多收材料并致歉' });
    await anonymous('POST', `/api/v1/invitations/${encodeURIComponent(token)}/rectification/grade`, { grade: 'not_satisfied' });
    const twice = await anonymous('POST', `/api/v1/invitations/${encodeURIComponent(token)}/rectification/reopen`);
    expect(twice.body.error.id).toBe('already_reopened');
    page = await anonymous('GET', `/api/v1/invitations/${encodeURIComponent(token)}`);
    expect(page.body.supervision.feedback.map((f: Json) => f.kind)).toEqual(['rectified']);
    // The reopen days pass: the job closes it.
    await moveClock(8 * 86_400_000);
    const run = await runDeadlines(services(), clock.now());
    expect(run.closed).toBeGreaterThanOrEqual(1);
    expect((await itemOf(ratingId, 'rectification')).state).toBe('closed');
    const history = (await call('supXingning', 'GET', `/api/v1/supervision/items/${rect.id}`)).body.history as Json[];
    expect(history.filter((h) => h.itemId === rect.id).map((h) => h.event)).toEqual(['open', 'complete', 'grade', 'reopen', 'complete', 'grade', 'close']);
    await moveClock('2026-11-02T02:00:00Z');
  });

  it('a rater’s link that rated nothing, or someone else’s, cannot grade', async () => {
    const res = await anonymous('POST', '/api/v1/invitations/not-a-token/rectification/grade', { grade: 'satisfied' });
    expect(res.status).toBe(401);
  });

  it('unfounded: the rating stands and the explanation goes to the rater', async () => {
    const { ratingId, token } = await negativeRating({ comment: null, tags: [] });
    const v = await itemOf(ratingId, 'verification');
    const missing = await step('supXingning', v.id, { event: 'find_unfounded', findings: '录像显示正常办理' });
    expect(missing.status).toBe(400);
    expect(
      (
        await step('supXingning', v.id, {
          event: 'find_unfounded',
          findings: '录像显示正常办理',
          explanation: '经核查，该事项依法需补充材料，窗口已一次性告知',
        })
      ).status,
    ).toBe(200);
    const page = await anonymous('GET', `/api/v1/invitations/${encodeURIComponent(token)}`);
    expect(page.body.supervision).toMatchObject({ stage: 'stands', feedback: [{ kind: 'unfounded', text: '经核查，该事项依法需补充材料，窗口已一次性告知' }] });
  });
});

describe('R11: revocation under the two-person rule', () => {
  it('the proposer cannot decide (403 same_person, audited); a second supervisor of a higher scope approves; scores move back; as-of does not', async () => {
    const { ratingId, token } = await negativeRating({ comment: null, tags: [] });
    const before = await staffScore();
    const published = clock.now().toISOString();
    await moveClock(60_000);
    const v = await itemOf(ratingId, 'verification');
    expect((await step('supXingning', v.id, { event: 'find_objective', findings: '当日不动产登记系统宕机', cause: 'it_fault' })).status).toBe(200);
    const proposal = await itemOf(ratingId, 'revocation');
    expect(proposal).toMatchObject({ state: 'proposed', details: { cause: 'it_fault' } });
    // What each page offers: the proposer only withdraws; the city decides; a neighbouring district sees nothing.
    expect((await call('supXingning', 'GET', `/api/v1/supervision/items/${proposal.id}`)).body.allowedSteps).toEqual(['withdraw']);
    expect((await call('supNanning', 'GET', `/api/v1/supervision/items/${proposal.id}`)).body.allowedSteps).toEqual(['approve', 'reject']);
    const same = await step('supXingning', proposal.id, { event: 'approve' });
    expect(same.status).toBe(403);
    expect(same.body.error.id).toBe('same_person');
    const refusals = await sql<{
      action: string;
      changes: Json;
    }>`select action, changes from audit_event where action = 'supervision.revocation.refused' and subject_id = ${String(proposal.id)}`.execute(database().db);
    expect(refusals.rows).toEqual([expect.objectContaining({ changes: expect.objectContaining({ refusal: 'same_person', event: 'approve' }) })]);
    // Another district: out of scope, 404 (and audited as refused).
    expect((await step('supQingxiu', proposal.id, { event: 'approve' })).status).toBe(404);
    const all = await sql<{
      actor_name: string;
      changes: Json;
    }>`select actor_name, changes from audit_event where action = 'supervision.revocation.refused' and subject_id = ${String(proposal.id)} order by id`.execute(
      database().db,
    );
    expect(all.rows.map((r) => [r.actor_name, r.changes.refusal])).toEqual([
      ['sv-sup-xingning', 'same_person'],
      ['sv-sup-qingxiu', 'not_found_in_scope'],
    ]);
    expect((await staffScore()).count).toBe(before.count);
    const sent = (await outbox()).length;
    const approved = await step('supNanning', proposal.id, { event: 'approve', reason: '核实无误' });
    expect(approved.status).toBe(200);
    // The rater is told (R12: the outcome goes back).
    expect((await outbox()).slice(sent).map((m) => [m.topic, m.body.includes('已撤销')])).toEqual([['feedback', true]]);
    expect((await anonymous('GET', `/api/v1/invitations/${encodeURIComponent(token)}`)).body.supervision).toMatchObject({
      stage: 'revoked',
      feedback: [{ kind: 'revoked', text: '信息系统故障' }],
    });
    expect((await itemOf(ratingId, 'verification')).state).toBe('revoked');
    const after = await staffScore();
    expect(after.count).toBe(before.count - 1);
    expect(await staffScore(`period=2026-11&asOf=${published}`)).toMatchObject({ count: before.count, scoreSum: before.scoreSum });
    const rating = await sql<{
      revoked_at: Date | null;
      exclusion_reason: string;
    }>`select revoked_at, exclusion_reason from rating where id = ${ratingId}`.execute(database().db);
    expect(rating.rows[0]!.revoked_at).not.toBeNull();
    expect(rating.rows[0]!.exclusion_reason).toContain('信息系统故障');
  });

  it('a rejected proposal sends the verification back to be decided again', async () => {
    const { ratingId } = await negativeRating({ comment: null, tags: [] });
    await step('supXingning', (await itemOf(ratingId, 'verification')).id, { event: 'find_objective', findings: '疑似系统问题', cause: 'other' });
    const proposal = await itemOf(ratingId, 'revocation');
    expect((await step('supXingning2', proposal.id, { event: 'reject' })).status).toBe(400);
    expect((await step('supXingning2', proposal.id, { event: 'reject', reason: '证据不足' })).status).toBe(200);
    expect((await itemOf(ratingId, 'verification')).state).toBe('pending');
  });
});

describe('evidence', () => {
  it('is stored with its hash; too large is 413, a refused or disguised type 415; nothing is stored then', async () => {
    const { ratingId } = await negativeRating({ comment: null, tags: [] });
    const v = await itemOf(ratingId, 'verification');
    const upload = (body: Buffer, type: string, name = 'evidence.pdf') =>
      app().inject({
        method: 'POST',
        url: `/api/v1/supervision/items/${v.id}/attachments?fileName=${encodeURIComponent(name)}`,
        payload: body,
        headers: { authorization: `Bearer ${tokens.supXingning}`, 'content-type': type },
      });
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(1000, 32)]);
    const ok = await upload(pdf, 'application/pdf', '系统故障说明.pdf');
    expect(ok.statusCode).toBe(201);
    const { createHash } = await import('node:crypto');
    expect(ok.json()).toMatchObject({ sizeBytes: pdf.length, sha256: createHash('sha256').update(pdf).digest('hex') });
    expect((await upload(Buffer.alloc(6 * 1024 * 1024, 1), 'application/pdf')).statusCode).toBe(413);
    expect((await upload(Buffer.from('MZ executable'), 'application/pdf')).statusCode).toBe(415);
    expect((await upload(Buffer.from('hello'), 'text/plain')).statusCode).toBe(415);
    const detail = (await call('supXingning', 'GET', `/api/v1/supervision/items/${v.id}`)).body;
    expect(detail.attachments).toHaveLength(1);
    const file = await app().inject({
      method: 'GET',
      url: `/api/v1/supervision/attachments/${detail.attachments[0].id}`,
      headers: { authorization: `Bearer ${tokens.supXingning}` },
    });
    expect(file.rawPayload.equals(pdf)).toBe(true);
    expect(
      (
        await app().inject({
          method: 'GET',
          url: `/api/v1/supervision/attachments/${detail.attachments[0].id}`,
          headers: { authorization: `Bearer ${tokens.supQingxiu}` },
        })
      ).statusCode,
    ).toBe(404);
  });
});

describe('appeals (申诉复核)', () => {
  it('the agency appeals once within 5 working days of being notified; upheld voids the rating and tells the rater', async () => {
    const { ratingId, token } = await negativeRating({ comment: null, tags: [] });
    expect((await call('agencyB', 'POST', `/api/v1/ratings/${ratingId}/appeals`, { reason: '不是我们' })).status).toBe(404);
    const filed = await call('agencyA', 'POST', `/api/v1/ratings/${ratingId}/appeals`, { reason: '评价人系恶意报复，已有录像为证' });
    expect(filed.status).toBe(201);
    expect((await call('agencyA', 'POST', `/api/v1/ratings/${ratingId}/appeals`, { reason: '再次申诉' })).body.error.id).toBe('already_appealed');
    const upheld = await step('supXingning', filed.body.id, { event: 'uphold', reason: '经复核，评价与事实明显不符' });
    expect(upheld.status).toBe(200);
    expect((await itemOf(ratingId, 'verification')).state).toBe('cancelled');
    const page = await anonymous('GET', `/api/v1/invitations/${encodeURIComponent(token)}`);
    expect(page.body.supervision).toMatchObject({ stage: 'voided', feedback: [{ kind: 'appeal_upheld' }] });
  });

  it('the days to appeal are working days: notified Friday 2026-11-06, the 5th working day is Friday 11-13', async () => {
    await moveClock('2026-11-06T02:00:00Z');
    const late = await negativeRating({ comment: null, tags: [] });
    const inTime = await negativeRating({ comment: null, tags: [] });
    expect((await itemOf(late.ratingId, 'verification')).details.notifiedAt).toBe('2026-11-06T02:00:00.000Z');
    await moveClock('2026-11-13T15:59:59Z');
    expect((await call('agencyA', 'POST', `/api/v1/ratings/${inTime.ratingId}/appeals`, { reason: '有异议' })).status).toBe(201);
    await moveClock('2026-11-13T16:00:00Z');
    const refused = await call('agencyA', 'POST', `/api/v1/ratings/${late.ratingId}/appeals`, { reason: '有异议' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.id).toBe('appeal_period_over');
    await moveClock('2026-11-02T02:00:00Z');
  });
});

describe('working days across the National Day holiday', () => {
  it('notified Wednesday 2026-09-30: Oct 1–7 are holidays, Saturday Oct 10 is a 调休 working day, so the 5th working day is Tuesday Oct 13', async () => {
    await moveClock('2026-09-30T02:00:00Z');
    const inTime = await negativeRating({ comment: null, tags: [] });
    const late = await negativeRating({ comment: null, tags: [] });
    await moveClock('2026-10-13T15:59:59Z');
    expect((await call('agencyA', 'POST', `/api/v1/ratings/${inTime.ratingId}/appeals`, { reason: '有异议' })).status).toBe(201);
    await moveClock('2026-10-13T16:00:00Z');
    expect((await call('agencyA', 'POST', `/api/v1/ratings/${late.ratingId}/appeals`, { reason: '有异议' })).body.error.id).toBe('appeal_period_over');
    await moveClock('2026-11-02T02:00:00Z');
  });
});

describe('reopening after the 7 days', () => {
  it('is refused (reopen_period_over) at 24:00 of the 7th day after the fix', async () => {
    await moveClock('2026-11-02T02:00:00Z');
    const { ratingId, token } = await negativeRating({ comment: null, tags: [] });
    await step('supXingning', (await itemOf(ratingId, 'verification')).id, { event: 'confirm', findings: '属实' });
    await step('agencyA', (await itemOf(ratingId, 'rectification')).id, { event: 'complete', measures: '已整改' });
    const link = encodeURIComponent(token);
    await anonymous('POST', `/api/v1/invitations/${link}/rectification/grade`, { grade: 'not_satisfied' });
    expect((await itemOf(ratingId, 'rectification')).details.reopenUntil).toBe('2026-11-09T16:00:00.000Z');
    await moveClock('2026-11-09T16:00:00Z');
    const late = await anonymous('POST', `/api/v1/invitations/${link}/rectification/reopen`);
    expect(late.status).toBe(409);
    expect(late.body.error.id).toBe('reopen_period_over');
    expect((await anonymous('GET', `/api/v1/invitations/${link}`)).body.supervision.rectification).toMatchObject({ canReopen: false, state: 'done' });
    await moveClock('2026-11-02T02:00:00Z');
  });
});

describe('IT incidents (R11)', () => {
  it('proposes, in one step, the revocation of the negative ratings inside the outage; each still needs a second person; repeating proposes nothing new', async () => {
    await moveClock('2026-11-03T01:00:00Z');
    const a = await negativeRating({ comment: null, tags: [] });
    const b = await negativeRating(); // still in review
    await moveClock('2026-11-03T05:00:00Z');
    const systemId = (await sql<{ id: number }>`select id from api_client where name = 'SV 一体化平台'`.execute(database().db)).rows[0]!.id;
    const bad = await call('supNanning', 'POST', '/api/v1/incidents', {
      systemId,
      startedAt: '2026-11-03T02:00:00Z',
      endedAt: '2026-11-03T00:00:00Z',
      cause: '数据库故障',
    });
    expect(bad.status).toBe(400);
    const long = await call('supNanning', 'POST', '/api/v1/incidents', {
      systemId,
      startedAt: '2025-01-01T00:00:00Z',
      endedAt: '2026-11-03T02:00:00Z',
      cause: '年份录错',
    });
    expect(long.body.error.fields.map((f: Json) => f.field)).toEqual(['/body/endedAt']);
    const incident = await call('supNanning', 'POST', '/api/v1/incidents', {
      systemId,
      startedAt: '2026-11-03T00:30:00Z',
      endedAt: '2026-11-03T02:00:00Z',
      cause: '一体化平台数据库故障',
    });
    expect(incident.status).toBe(201);
    const seen = (await call('supNanning', 'GET', `/api/v1/incidents/${incident.body.id}`)).body;
    expect(seen.ratings.map((r: Json) => r.ratingId).sort()).toEqual([a.ratingId, b.ratingId].sort());
    expect((await call('supQingxiu', 'GET', `/api/v1/incidents/${incident.body.id}`)).body.ratings).toEqual([]);
    const proposed = await call('supNanning', 'POST', `/api/v1/incidents/${incident.body.id}/revocations`, {});
    expect(proposed.body).toEqual({ proposed: 2, skipped: 0 });
    expect((await call('supNanning', 'POST', `/api/v1/incidents/${incident.body.id}/revocations`, {})).body).toEqual({ proposed: 0, skipped: 2 });
    expect((await itemOf(a.ratingId, 'verification')).state).toBe('objective');
    const proposal = await itemOf(b.ratingId, 'revocation');
    expect(proposal).toMatchObject({ state: 'proposed', incidentId: incident.body.id });
    expect((await step('supNanning', proposal.id, { event: 'approve' })).body.error.id).toBe('same_person');
    // R11: the second person is of the same or a higher level: a district below the city's proposer is refused.
    const below = await step('supXingning', proposal.id, { event: 'approve' });
    expect(below.status).toBe(403);
    expect(below.body.error.id).toBe('scope_below_proposer');
    expect((await step('supGx', proposal.id, { event: 'approve' })).status).toBe(200);
    // The rating was still in review: that closes too.
    expect((await itemOf(b.ratingId, 'review')).state).toBe('cancelled');
    await moveClock('2026-11-02T02:00:00Z');
  });
});

describe('the deadlines (jobs with the fake clock)', () => {
  it('R6: a review not decided is deemed approved at 24:00 of the 15th day, not a moment before', async () => {
    await moveClock('2026-12-01T03:00:00Z');
    const { ratingId } = await negativeRating();
    const review = await itemOf(ratingId, 'review');
    expect(review.dueAt).toBe('2026-12-16T16:00:00.000Z');
    await runDeadlines(services(), new Date('2026-12-16T15:59:59.999Z'));
    expect((await itemOf(ratingId, 'review')).state).toBe('pending');
    const run = await runDeadlines(services(), new Date('2026-12-16T16:00:00Z'));
    expect(run.deemed).toBeGreaterThanOrEqual(1);
    expect((await itemOf(ratingId, 'review')).state).toBe('deemed_approved');
    expect((await itemOf(ratingId, 'verification')).state).toBe('pending');
    // Twice is harmless.
    await runDeadlines(services(), new Date('2026-12-16T16:00:00Z'));
    expect((await itemsOf(ratingId)).filter((i) => i.workflow === 'verification')).toHaveLength(1);
    await moveClock('2026-11-02T02:00:00Z');
  });

  it('R12: an extension asked in time records its reason (within 90 days); overdue, the item is flagged, escalated to the city, shown in its “below” queue, and no longer extended', async () => {
    await moveClock('2026-11-04T02:00:00Z');
    const { ratingId } = await negativeRating({ comment: null, tags: [] });
    await step('supXingning', (await itemOf(ratingId, 'verification')).id, { event: 'confirm', findings: '属实' });
    const rect = await itemOf(ratingId, 'rectification');
    expect(rect.dueAt).toBe('2026-11-19T16:00:00.000Z');
    expect((await call('supXingning', 'GET', `/api/v1/supervision/items/${rect.id}`)).body.allowedSteps).toEqual(['extend', 'complete']);
    expect((await call('agencyA', 'GET', `/api/v1/supervision/items/${rect.id}`)).body.allowedSteps).toEqual(['complete']);
    const early = await step('supXingning', rect.id, { event: 'extend', reason: '需协调上级部门', newDueAt: '2026-11-19' });
    expect(early.body.error.id).toBe('deadline_not_later');
    expect((await step('supXingning', rect.id, { event: 'extend', reason: '需协调上级部门', newDueAt: '2027-02-18' })).body.error.id).toBe(
      'extension_too_long',
    );
    // R12: asked for before the deadline, with its reason, it moves the deadline.
    const extended = await step('supXingning', rect.id, { event: 'extend', reason: '涉及跨部门协调，延期办理', newDueAt: '2026-11-25' });
    expect(extended.status).toBe(200);
    expect(extended.body).toMatchObject({ dueAt: '2026-11-25T16:00:00.000Z', overdue: false });
    expect(extended.body.details.extensions).toEqual([expect.objectContaining({ reason: '涉及跨部门协调，延期办理', to: '2026-11-25T16:00:00.000Z' })]);
    await runDeadlines(services(), new Date('2026-11-25T16:00:00Z'));
    const overdue = await itemOf(ratingId, 'rectification');
    expect(overdue).toMatchObject({ overdueAt: '2026-11-25T16:00:00.000Z', escalatedTo: '450100000000' });
    await moveClock('2026-11-26T02:00:00Z');
    const below = (await call('supNanning', 'GET', '/api/v1/supervision/items?queue=below')).body.items as Json[];
    expect(below.map((i) => i.id)).toContain(rect.id);
    expect(below.find((i) => i.id === rect.id)).toMatchObject({ overdue: true, daysLeft: -1 });
    expect((await call('supNanning', 'GET', `/api/v1/supervision/items/${rect.id}`)).body.names.escalatedTo).toBe('南宁市');
    // Lateness is not undone: once overdue, no extension.
    const late = await step('supNanning', rect.id, { event: 'extend', reason: '补办延期', newDueAt: '2026-12-30' });
    expect(late.status).toBe(409);
    expect(late.body.error.id).toBe('extension_too_late');
    await moveClock('2026-11-02T02:00:00Z');
  });
});

describe('deadlines keep the policy they began under', () => {
  it('a later version moves no running deadline; a working-day count into a year the calendar lacks opens the review without one, and the job sets it once the year is added', async () => {
    await moveClock('2026-12-10T02:00:00Z');
    const before = await negativeRating();
    expect((await itemOf(before.ratingId, 'review')).dueAt).toBe('2026-12-25T16:00:00.000Z'); // 15 natural days
    const numbers = (await call('admin', 'GET', '/api/v1/policy')).body.inForce.numbers;
    const version = await call('admin', 'POST', '/api/v1/policy/versions', {
      effectiveFrom: '2026-12-20',
      numbers: { ...numbers, reviewDays: { days: 15, unit: 'working' } },
      note: '审核改按工作日计',
    });
    expect(version.status).toBe(201);
    await moveClock('2026-12-28T02:00:00Z');
    expect((await itemOf(before.ratingId, 'review')).dueAt).toBe('2026-12-25T16:00:00.000Z');
    // 15 working days from Monday 12-28 reach into 2027, which the calendar lacks: the rating is still taken.
    const after = await negativeRating();
    const open = await itemOf(after.ratingId, 'review');
    expect(open).toMatchObject({ state: 'pending', dueAt: null });
    expect(open.details.deadlineProblem).toContain('2027');
    await runDeadlines(services(), clock.now());
    expect((await itemOf(after.ratingId, 'review')).dueAt).toBeNull();
    const year = await call('admin', 'PUT', '/api/v1/policy/calendar/2027', {
      source: '测试：2027 年元旦',
      days: [{ day: '2027-01-01', kind: 'holiday', name: '元旦' }],
    });
    expect(year.status).toBe(200);
    await runDeadlines(services(), clock.now());
    // Dec 29, 30, 31; Jan 1 a holiday; Jan 4–8, 11–15, 18, 19: the 15th working day is 2027-01-19.
    expect((await itemOf(after.ratingId, 'review')).dueAt).toBe('2027-01-19T16:00:00.000Z');
    await moveClock('2026-11-02T02:00:00Z');
  });
});

describe('the dashboard and the ledger', () => {
  it('counts open, overdue and closed items in the scope, with the rectification rate', async () => {
    const summary = (await call('supNanning', 'GET', '/api/v1/supervision/summary')).body;
    expect(summary.workflows.verification.open).toBeGreaterThan(0);
    expect(summary.workflows.review.closed).toBeGreaterThan(0);
    expect(summary.workflows.rectification.closed + summary.workflows.rectification.open).toBeGreaterThan(0);
    expect(summary.rectificationRate.period).toBe('2026');
    expect((await call('supQingxiu', 'GET', '/api/v1/supervision/summary')).body.workflows.verification).toEqual({ open: 0, overdue: 0, closed: 0 });
  });

  it('scores verify finds no difference after the revocations and voids', async () => {
    const deliver = await deliverOutbox({ db: services().db, protector: services().protector, sms: new RecordingSender() }, clock.now());
    expect(deliver.failed).toBe(0);
    expect((await verifyScores(services().db)).ok).toBe(true);
  });
});
