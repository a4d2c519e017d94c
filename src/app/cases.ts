// Case intake from business systems (办件, R7) and package services (一件事,
// R8): each event that makes a case ratable opens an occasion, attributed to
// the staff member who handled it and where they sat then (R3 snapshot).
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { checkApplicant, identityKey, maskApplicant, type Applicant, type IdType } from '../domain/applicants.ts';
import { AppError, conflict, notFound, type FieldProblem, invalidFields } from '../domain/errors.ts';
import { POLICY } from '../domain/policy.ts';
import { caseOccasions, nextPackageStage, occasionState, PACKAGE_STAGES, type OccasionKind, type PackageStage } from '../domain/occasions.ts';
import * as cases from '../storage/cases.ts';
import * as catalogue from '../storage/catalogue.ts';
import * as staffRepo from '../storage/staff.ts';
import type { DB } from '../storage/schema.ts';
import type { Protector } from '../storage/protect.ts';
import type { ApiClient } from './clients.ts';
import { invitationText, ratingLink } from '../domain/invitations.ts';
import { enqueueSms } from './outbox.ts';
import { deadlineUnder, policyAt } from './policy.ts';
import { readScope, requireAccess, type Action } from '../domain/access.ts';
import { isDay } from '../domain/scores.ts';
import { scopePredicate } from '../storage/scope.ts';

/** R5: case intake is for business systems (the route says so too; the use case does not rely on it). */
const requireBusinessSystem = (client: ApiClient, action: Action = 'cases.submit') =>
  requireAccess({ type: 'client', id: client.id, name: client.name, kind: client.kind, channel: client.channel, windowId: client.windowId }, action);
import type { Caller, Services } from './context.ts';

type Db = Kysely<DB>;

const fail = invalidFields;

function instant(value: string, field: string, now: Date, problems: FieldProblem[]): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) problems.push({ field, message: 'is not an ISO 8601 instant' });
  else if (at.getTime() > now.getTime() + POLICY.clockSkewMs) problems.push({ field, message: 'is in the future' });
  return at;
}

export function protectApplicant(protector: Protector, applicant: Applicant) {
  return {
    applicant_name_cipher: protector.encrypt(applicant.name),
    applicant_id_type: applicant.idType,
    applicant_id_cipher: protector.encrypt(applicant.idNumber),
    applicant_id_hash: protector.hash(identityKey(applicant.idType, applicant.idNumber)),
    applicant_phone_cipher: applicant.phone ? protector.encrypt(applicant.phone) : null,
    applicant_phone_hash: applicant.phone ? protector.hash(applicant.phone) : null,
  };
}

export function revealApplicant(
  protector: Protector,
  row: { applicant_name_cipher: string | null; applicant_id_type: string | null; applicant_id_cipher: string | null; applicant_phone_cipher: string | null },
): Applicant | null {
  if (!row.applicant_name_cipher || !row.applicant_id_cipher) return null;
  return {
    name: protector.decrypt(row.applicant_name_cipher),
    idType: row.applicant_id_type as IdType,
    idNumber: protector.decrypt(row.applicant_id_cipher),
    phone: row.applicant_phone_cipher ? protector.decrypt(row.applicant_phone_cipher) : null,
  };
}

async function activeStaff(db: Db, staffNumber: string, field: string, problems: FieldProblem[]) {
  const staff = await staffRepo.findStaffByNumber(db, staffNumber.trim());
  if (!staff) problems.push({ field, message: `no staff member has the number ${staffNumber}` });
  else if (staff.status !== 'active') problems.push({ field, message: `staff member ${staffNumber} is retired` });
  return staff;
}

async function activeMatter(db: Db, code: string, field: string, problems: FieldProblem[]) {
  const matter = (await catalogue.findRow(db, 'matters', { code: code.trim().toUpperCase() })) as Selectable<DB['matter']> | undefined;
  if (!matter) problems.push({ field, message: `no matter has the implementation code ${code}` });
  else if (matter.status !== 'active') problems.push({ field, message: `matter ${code} is retired` });
  return matter;
}

async function activeAgency(db: Db, code: string, field: string, problems: FieldProblem[]) {
  const agency = (await catalogue.findRow(db, 'agencies', { code: code.trim().toUpperCase() })) as Selectable<DB['agency']> | undefined;
  if (!agency) problems.push({ field, message: `no agency has the code ${code}` });
  else if (agency.status !== 'active') problems.push({ field, message: `agency ${code} is retired` });
  return agency;
}

/**
 * R6, issue 13: an occasion keeps the policy version in force on the day it
 * happened, and its deadline is reckoned under that version (in working days
 * when it says so: a year missing from the calendar refuses the occasion,
 * calendar_year_missing, and nothing is stored).
 */
async function occasionTerms(db: Db, at: Date) {
  const policy = await policyAt(db, at);
  return { deadline: await deadlineUnder(db, policy, 'ratingDays', at), policy_version_id: policy.id };
}

/** Opens an occasion handled by a staff member, with the R3 snapshot of where they sat. */
async function openStaffOccasion(db: Db, owner: { caseId?: number; packageId?: number }, kind: OccasionKind, staffId: number, at: Date) {
  const place = await cases.placeAt(db, staffId, at);
  if (!place) throw new AppError('staff_not_assigned', 'conflict', 'The staff member has no assignment to attribute the service to');
  return cases.insertOccasion(db, {
    case_id: owner.caseId ?? null,
    package_id: owner.packageId ?? null,
    kind,
    occurred_at: at,
    ...(await occasionTerms(db, at)),
    staff_id: staffId,
    ...place,
  });
}

// ——— cases ———

export interface CaseInput {
  caseNumber: string;
  matterCode: string;
  agencyCode?: string;
  applicant: Applicant;
  staffNumber: string;
  acceptedAt: string;
  completedAt?: string;
  /** The business system has the applicant rate at the window's device: no SMS invitation (issue 12). */
  ratesAtWindow?: boolean;
}

/**
 * Records a case at acceptance (受理). An immediate case is completed at the
 * same moment by the same staff member (one occasion, R7); a promised case
 * opens its acceptance occasion now and its completion occasion later.
 * Sending the same case again is answered with the stored one.
 */
export async function acceptCase(services: Services, client: ApiClient, input: CaseInput) {
  requireBusinessSystem(client);
  const now = services.now();
  const problems: FieldProblem[] = [];
  const { applicant, problems: applicantProblems } = checkApplicant(input.applicant, '/body/applicant');
  problems.push(...applicantProblems);
  const acceptedAt = instant(input.acceptedAt, '/body/acceptedAt', now, problems);
  const completedAt = input.completedAt ? instant(input.completedAt, '/body/completedAt', now, problems) : null;
  fail(problems);

  return services.db.transaction().execute(async (trx) => {
    // Two copies of one case sent at once (a client retry) meet here one after the other.
    await cases.lockName(trx, `case:${input.caseNumber.trim()}`);
    // A retry is recognised before anything else is checked: what was valid
    // when the case was stored (a staff member since retired…) stays valid.
    const protectedApplicant = protectApplicant(services.protector, applicant);
    const existing = await cases.findCaseByNumber(trx, input.caseNumber.trim());
    if (existing) {
      const staffId = (await staffRepo.findStaffByNumber(trx, input.staffNumber.trim()))?.id;
      const same =
        existing.matter_code === input.matterCode.trim().toUpperCase() &&
        existing.accepted_at.getTime() === acceptedAt.getTime() &&
        existing.accepted_by === staffId &&
        existing.applicant_id_hash === protectedApplicant.applicant_id_hash;
      if (!same || existing.client_id !== client.id) throw conflict('case_already_exists', `Case ${input.caseNumber} exists already with other details`);
      return { created: false, case: await presentCase(trx, services.protector, existing.case_number, services.now()) };
    }
    const matter = await activeMatter(trx, input.matterCode, '/body/matterCode', problems);
    const agency = await activeAgency(trx, input.agencyCode ?? matter?.agency_code ?? '', '/body/agencyCode', problems);
    const staff = await activeStaff(trx, input.staffNumber, '/body/staffNumber', problems);
    fail(problems, 'invalid_reference');
    if (matter!.kind === 'immediate' && completedAt && completedAt.getTime() !== acceptedAt.getTime()) {
      fail([{ field: '/body/completedAt', message: 'an immediate case (即办件) is completed when it is accepted; leave it out' }]);
    }
    if (matter!.kind === 'promised' && completedAt && completedAt < acceptedAt) fail([{ field: '/body/completedAt', message: 'is before acceptedAt' }]);
    const immediate = matter!.kind === 'immediate';
    const done = immediate ? acceptedAt : completedAt;
    const caseId = await cases.insertCase(trx, {
      case_number: input.caseNumber.trim(),
      matter_code: matter!.code,
      kind: matter!.kind,
      agency_code: agency!.code,
      ...protectedApplicant,
      accepted_at: acceptedAt,
      accepted_by: staff!.id,
      completed_at: done,
      completed_by: done ? staff!.id : null,
      client_id: client.id,
    });
    for (const kind of caseOccasions(matter!.kind, { accepted: true, completed: !!done })) {
      const occasionId = await openStaffOccasion(trx, { caseId }, kind, staff!.id, kind === 'acceptance' ? acceptedAt : done!);
      await inviteToRate(trx, services, occasionId, { phone: applicant.phone ?? null, atWindow: !!input.ratesAtWindow });
    }
    return { created: true, case: await presentCase(trx, services.protector, caseId, services.now()) };
  });
}

/** 办结: completes a promised case and opens its completion occasion. Idempotent for the same completion. */
export async function completeCase(
  services: Services,
  client: ApiClient,
  caseNumber: string,
  input: { completedAt: string; staffNumber: string; ratesAtWindow?: boolean },
) {
  requireBusinessSystem(client);
  const problems: FieldProblem[] = [];
  const completedAt = instant(input.completedAt, '/body/completedAt', services.now(), problems);
  fail(problems);
  return services.db.transaction().execute(async (trx) => {
    const row = await requireCase(trx, client, caseNumber, true);
    const staff = await activeStaff(trx, input.staffNumber, '/body/staffNumber', problems);
    fail(problems, 'invalid_reference');
    if (row.withdrawn_at) throw conflict('case_withdrawn', `Case ${caseNumber} was withdrawn`);
    if (row.package_id) throw conflict('case_in_package', `Case ${caseNumber} is part of a package; its stages are recorded on the package`);
    if (row.completed_at) {
      if (row.completed_at.getTime() === completedAt.getTime() && row.completed_by === staff!.id)
        return presentCase(trx, services.protector, row.id, services.now());
      throw conflict('case_already_completed', `Case ${caseNumber} was completed at ${row.completed_at.toISOString()}`);
    }
    if (completedAt < row.accepted_at) fail([{ field: '/body/completedAt', message: 'is before the case was accepted' }]);
    await cases.markCaseCompleted(trx, { caseId: row.id }, completedAt, staff!.id);
    const occasionId = await openStaffOccasion(trx, { caseId: row.id }, 'completion', staff!.id, completedAt);
    await inviteToRate(trx, services, occasionId, { phone: revealApplicant(services.protector, row)?.phone ?? null, atWindow: !!input.ratesAtWindow });
    return presentCase(trx, services.protector, row.id, services.now());
  });
}

/** 撤件: the applicant withdrew or the case was cancelled; open occasions are cancelled (no default). */
export async function withdrawCase(services: Services, client: ApiClient, caseNumber: string, input: { at?: string; reason: string }) {
  requireBusinessSystem(client);
  const problems: FieldProblem[] = [];
  const at = input.at ? instant(input.at, '/body/at', services.now(), problems) : services.now();
  if (!input.reason.trim()) problems.push({ field: '/body/reason', message: 'is required' });
  fail(problems);
  return services.db.transaction().execute(async (trx) => {
    const row = await requireCase(trx, client, caseNumber, true);
    if (row.package_id) throw conflict('case_in_package', `Case ${caseNumber} is part of a package`);
    if (row.withdrawn_at) throw conflict('case_withdrawn', `Case ${caseNumber} was withdrawn already`);
    if (at < row.accepted_at) fail([{ field: '/body/at', message: 'is before the case was accepted' }]);
    if (row.completed_at) throw conflict('case_already_completed', `Case ${caseNumber} is completed and cannot be withdrawn`);
    await cases.markCaseWithdrawn(trx, row.id, at, input.reason.trim());
    await cases.cancelOpenOccasions(trx, row.id, at);
    return presentCase(trx, services.protector, row.id, services.now());
  });
}

/** A case of this business system; to any other system it does not exist. */
async function requireCase(db: Db, client: ApiClient, caseNumber: string, lock = false) {
  const row = await cases.findCaseByNumber(db, caseNumber.trim(), { lock });
  if (!row || row.client_id !== client.id) throw notFound('case_not_found', `No case has the number ${caseNumber}`);
  return row;
}

async function requirePackage(db: Db, client: ApiClient, packageNumber: string, lock = false) {
  const row = await cases.findPackageByNumber(db, packageNumber.trim(), { lock });
  if (!row || row.client_id !== client.id) throw notFound('package_not_found', `No package has the number ${packageNumber}`);
  return row;
}

export type OccasionStatus = 'open' | 'rated' | 'defaulted' | 'cancelled' | 'expired';

function occasionView(o: Awaited<ReturnType<typeof cases.occasionsOf>>[number], now: Date) {
  const status: OccasionStatus = o.cancelled_at
    ? 'cancelled'
    : o.rating_id
      ? o.is_default
        ? 'defaulted'
        : 'rated'
      : occasionState(o.occurred_at, o.deadline, now) === 'closed'
        ? 'expired' // the deadline passed; the default comes with the next sweep
        : 'open';
  return {
    id: o.id,
    kind: o.kind,
    occurredAt: o.occurred_at.toISOString(),
    deadline: o.deadline.toISOString(),
    status,
    staffNumber: o.staff_number,
    staffName: o.staff_name,
    agencyCode: o.agency_code,
    regionCode: o.region_code,
    centerCode: o.center_code,
    rating: o.rating_id ? { id: o.rating_id, level: o.level!, channel: o.channel!, isDefault: o.is_default!, givenAt: o.given_at!.toISOString() } : null,
  };
}

/** A case as business systems see it: the applicant masked (R9), its occasions and their state. */
export async function presentCase(db: Db, protector: Protector, key: number | string, now: Date) {
  const row = await cases.caseWithPackage(db, key);
  if (!row) throw notFound('case_not_found', `No case has the number ${key}`);
  const applicant = revealApplicant(protector, row);
  return {
    caseNumber: row.case_number,
    matterCode: row.matter_code,
    matterName: row.matter_name,
    kind: row.kind,
    agencyCode: row.agency_code,
    agencyName: row.agency_name,
    packageNumber: row.package_number,
    applicant: applicant ? maskApplicant(applicant) : null,
    acceptedAt: row.accepted_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    withdrawnAt: row.withdrawn_at?.toISOString() ?? null,
    occasions: (await cases.occasionsOf(db, { caseId: row.id })).map((o) => occasionView(o, now)),
  };
}

export async function getCase(services: Services, client: ApiClient, caseNumber: string) {
  requireBusinessSystem(client, 'cases.read');
  await requireCase(services.db, client, caseNumber);
  return presentCase(services.db, services.protector, caseNumber.trim(), services.now());
}

// ——— packages (R8) ———

export interface PackageInput {
  packageNumber: string;
  name: string;
  applicant: Applicant;
  members: { caseNumber: string; matterCode: string; agencyCode?: string }[];
  acceptance: { staffNumber: string; at: string; ratesAtWindow?: boolean };
}

/** Accepts a package: its member cases (possibly of several agencies and regions) and the acceptance occasion. */
export async function acceptPackage(services: Services, client: ApiClient, input: PackageInput) {
  requireBusinessSystem(client);
  const now = services.now();
  const problems: FieldProblem[] = [];
  const { applicant, problems: applicantProblems } = checkApplicant(input.applicant, '/body/applicant');
  problems.push(...applicantProblems);
  const at = instant(input.acceptance.at, '/body/acceptance/at', now, problems);
  if (input.members.length < 2) problems.push({ field: '/body/members', message: 'a package joins at least two matters' });
  const numbers = input.members.map((m) => m.caseNumber.trim());
  numbers.forEach((n, i) => {
    if (numbers.indexOf(n) !== i) problems.push({ field: `/body/members/${i}/caseNumber`, message: `repeats member ${numbers.indexOf(n)}` });
  });
  fail(problems);
  return services.db.transaction().execute(async (trx) => {
    await cases.lockName(trx, `package:${input.packageNumber.trim()}`);
    for (const m of input.members) await cases.lockName(trx, `case:${m.caseNumber.trim()}`);
    if (await cases.findPackageByNumber(trx, input.packageNumber.trim())) {
      throw conflict('package_already_exists', `Package ${input.packageNumber} exists already`);
    }
    const staff = await activeStaff(trx, input.acceptance.staffNumber, '/body/acceptance/staffNumber', problems);
    const members = [];
    for (const [i, m] of input.members.entries()) {
      const matter = await activeMatter(trx, m.matterCode, `/body/members/${i}/matterCode`, problems);
      const agency = await activeAgency(trx, m.agencyCode ?? matter?.agency_code ?? '', `/body/members/${i}/agencyCode`, problems);
      if (await cases.findCaseByNumber(trx, m.caseNumber.trim()))
        problems.push({ field: `/body/members/${i}/caseNumber`, message: `case ${m.caseNumber} exists already` });
      members.push({ caseNumber: m.caseNumber.trim(), matter, agency });
    }
    fail(problems, 'invalid_reference');
    const protectedApplicant = protectApplicant(services.protector, applicant);
    const packageId = await cases.insertPackage(trx, {
      package_number: input.packageNumber.trim(),
      name: input.name.trim(),
      ...(protectedApplicant as typeof protectedApplicant & {
        applicant_name_cipher: string;
        applicant_id_type: string;
        applicant_id_cipher: string;
        applicant_id_hash: string;
      }),
      client_id: client.id,
    });
    await cases.insertCases(
      trx,
      members.map((m) => ({
        case_number: m.caseNumber,
        matter_code: m.matter!.code,
        kind: m.matter!.kind,
        agency_code: m.agency!.code,
        package_id: packageId,
        accepted_at: at,
        accepted_by: staff!.id,
        client_id: client.id,
      })),
    );
    const occasionId = await openStaffOccasion(trx, { packageId }, 'acceptance', staff!.id, at);
    await inviteToRate(trx, services, occasionId, { phone: applicant.phone ?? null, atWindow: !!input.acceptance.ratesAtWindow });
    return presentPackage(trx, services.protector, input.packageNumber.trim(), now);
  });
}

/**
 * Records the next stage of a package — approval (审批), then delivery (出件).
 * Delivery completes the member cases and opens the composite occasion,
 * which counts for every agency and region of the members (R8).
 */
export async function advancePackage(
  services: Services,
  client: ApiClient,
  packageNumber: string,
  stage: Exclude<PackageStage, 'acceptance'>,
  input: { staffNumber: string; at: string; ratesAtWindow?: boolean },
) {
  requireBusinessSystem(client);
  const now = services.now();
  const problems: FieldProblem[] = [];
  const at = instant(input.at, '/body/at', now, problems);
  fail(problems);
  return services.db.transaction().execute(async (trx) => {
    const pkg = await requirePackage(trx, client, packageNumber, true);
    const done = await cases.packageOccasionKinds(trx, pkg.id);
    const stagesDone = done.map((o) => o.kind).filter((k): k is PackageStage => (PACKAGE_STAGES as readonly string[]).includes(k));
    const next = nextPackageStage(stagesDone);
    if (next !== stage) {
      throw conflict(
        'package_stage_out_of_order',
        next ? `The next stage of package ${packageNumber} is ${next}, not ${stage}` : `Package ${packageNumber} is delivered already`,
      );
    }
    const last = done[done.length - 1]!;
    if (at < last.occurred_at) fail([{ field: '/body/at', message: `is before the ${last.kind} stage (${last.occurred_at.toISOString()})` }]);
    const staff = await activeStaff(trx, input.staffNumber, '/body/staffNumber', problems);
    fail(problems, 'invalid_reference');
    const phone = revealApplicant(services.protector, pkg)?.phone ?? null;
    const occasionId = await openStaffOccasion(trx, { packageId: pkg.id }, stage, staff!.id, at);
    await inviteToRate(trx, services, occasionId, { phone, atWindow: !!input.ratesAtWindow });
    if (stage === 'delivery') {
      await cases.markCaseCompleted(trx, { packageId: pkg.id }, at, staff!.id);
      const composite = await cases.insertOccasion(trx, {
        case_id: null,
        package_id: pkg.id,
        kind: 'composite',
        occurred_at: at,
        ...(await occasionTerms(trx, at)),
        staff_id: null,
        agency_code: null,
        business_line_code: null,
        region_code: null,
        center_code: null,
        window_id: null,
      });
      await cases.insertCompositeParties(trx, composite, pkg.id);
      // R8: the package as a whole is rated too; nobody rates it at a window.
      await inviteToRate(trx, services, composite, { phone, atWindow: false });
    }
    return presentPackage(trx, services.protector, pkg.package_number, now);
  });
}

export async function presentPackage(db: Db, protector: Protector, packageNumber: string, now: Date) {
  const pkg = await cases.findPackageByNumber(db, packageNumber);
  if (!pkg) throw notFound('package_not_found', `No package has the number ${packageNumber}`);
  const members = await cases.packageMembers(db, pkg.id);
  const parties = await cases.packageParties(db, pkg.id);
  return {
    packageNumber: pkg.package_number,
    name: pkg.name,
    applicant: maskApplicant(revealApplicant(protector, pkg)!),
    members: members.map((m) => ({ caseNumber: m.case_number, matterCode: m.matter_code, agencyCode: m.agency_code })),
    compositeParties: parties.map((p) => ({ agencyCode: p.agency_code, regionCode: p.region_code })),
    occasions: (await cases.occasionsOf(db, { packageId: pkg.id })).map((o) => occasionView(o, now)),
  };
}

export async function getPackage(services: Services, client: ApiClient, packageNumber: string) {
  requireBusinessSystem(client, 'cases.read');
  await requirePackage(services.db, client, packageNumber);
  return presentPackage(services.db, services.protector, packageNumber.trim(), services.now());
}

// ——— invitations ———

/** The signed token of an occasion's rating link: bound to it, expiring at its deadline (R6). */
export function signInvitation(
  protector: Protector,
  occasion: { id: number; case_id: number | null; package_id: number | null; staff_id: number | null; deadline: Date },
  /** The nonce of a link already used to rate: feedback to the rater links back to the page that link opens (issue 13). */
  nonce?: string,
): string {
  const payload: InvitationToken = {
    v: 1,
    o: occasion.id,
    c: occasion.case_id,
    p: occasion.package_id,
    s: occasion.staff_id,
    e: occasion.deadline.getTime(),
    n: nonce ?? randomUUID().slice(0, 8),
  };
  return protector.sign(payload);
}

/**
 * R7, issue 12: an occasion that opens invites the applicant to rate it by
 * SMS — written to the outbox in the transaction that opens it, so the
 * invitation is never lost — unless the business system has the applicant
 * rate at the window's device, or there is no phone to send to, or the
 * occasion (recorded late) can no longer be rated.
 */
async function inviteToRate(trx: Db, services: Services, occasionId: number, to: { phone: string | null; atWindow: boolean }) {
  if (!to.phone || to.atWindow) return;
  const now = services.now();
  const facts = await cases.invitationFacts(trx, occasionId);
  if (!facts || facts.deadline.getTime() <= now.getTime()) return;
  const text = invitationText({ kind: facts.kind, staffName: facts.staff_name, what: facts.what, deadline: facts.deadline });
  const body = `${text}${ratingLink(services.outbox.publicUrl, signInvitation(services.protector, facts))}`;
  await enqueueSms(trx, services.protector, { topic: 'invitation', occasionId, to: to.phone, body }, now);
}

/**
 * The payload of a rating link's token, for the occasion it names: 401
 * invalid_token when the token is not ours, or names another case, package
 * or staff member than the occasion has (R7: a link is bound to one occasion).
 */
export async function verifyInvitation<O extends { case_id: number | null; package_id: number | null; staff_id: number | null }>(
  protector: Protector,
  token: string,
  occasionOf: (occasionId: number) => Promise<O | undefined>,
): Promise<{ payload: InvitationToken; occasion: O }> {
  const invalid = () => new AppError('invalid_token', 'unauthorized', 'The rating link is not valid');
  const payload = protector.verify<InvitationToken>(token);
  if (!payload || payload.v !== 1) throw invalid();
  const occasion = await occasionOf(payload.o);
  if (!occasion || occasion.case_id !== payload.c || occasion.package_id !== payload.p || occasion.staff_id !== payload.s) throw invalid();
  return { payload, occasion };
}

export interface InvitationToken {
  v: 1;
  /** occasion, case, package, staff: what the token is bound to */
  o: number;
  c: number | null;
  p: number | null;
  s: number | null;
  /** expiry, epoch milliseconds: the occasion's deadline */
  e: number;
  /** a random nonce, so two invitations for one occasion differ */
  n: string;
}

/**
 * A signed, single-use rating token for one occasion — what an SMS link, an
 * H5 page or a window device carries. It expires at the occasion's deadline.
 */
export async function issueInvitation(services: Services, client: ApiClient, occasionId: number) {
  requireBusinessSystem(client);
  const occasion = await cases.occasionWithSender(services.db, occasionId);
  // Only the system that sent the case may invite its applicant to rate it;
  // to any other the occasion does not exist.
  if (!occasion || (occasion.case_client ?? occasion.package_client) !== client.id) {
    throw notFound('occasion_not_found', `No occasion has the id ${occasionId}`);
  }
  if (occasion.cancelled_at) throw conflict('occasion_cancelled', 'The case was withdrawn; this occasion cannot be rated');
  if (occasion.is_default || (!occasion.closed_at && occasionState(occasion.occurred_at, occasion.deadline, services.now()) === 'closed')) {
    throw conflict('occasion_defaulted', 'The rating period is over; the default rating applies (R6)');
  }
  if (occasion.closed_at) throw conflict('rating_already_given', 'This occasion has been rated already (R7)');
  return { occasionId: occasion.id, token: signInvitation(services.protector, occasion), expiresAt: occasion.deadline.toISOString() };
}

// ——— finding cases (people in the console) ———

/**
 * Cases found by number, by a staff member who served them, or by the China
 * days they were accepted on (from–to, inclusive), within the caller's
 * scope (R2: the case's agency): what a hotline operator needs to answer
 * "did my rating arrive?". Each with its occasions, deadlines and ratings;
 * the applicant masked (R9). At least one filter is required.
 */
export async function findCases(
  services: Services,
  caller: Caller,
  query: { caseNumber?: string; staffNumber?: string; from?: string; to?: string },
  page: { page: number; pageSize: number },
) {
  requireAccess(caller.actor, 'cases.find');
  const scope = readScope(caller.actor);
  const problems: FieldProblem[] = [];
  const day = (value: string | undefined, field: string) => {
    if (value === undefined) return undefined;
    if (!isDay(value)) problems.push({ field: `/querystring/${field}`, message: 'must be a day, YYYY-MM-DD' });
    return isDay(value) ? new Date(`${value}T00:00:00+08:00`) : undefined;
  };
  const from = day(query.from, 'from');
  const toDay = day(query.to, 'to');
  const caseNumber = query.caseNumber?.trim() || undefined;
  const staffNumber = query.staffNumber?.trim() || undefined;
  if (!caseNumber && !staffNumber && !from && !toDay && !problems.length)
    problems.push({ field: '/querystring', message: 'give a case number, a staff number, or the days (from, to) the case was accepted on' });
  invalidFields(problems);
  const found = await cases.findCaseNumbers(
    services.db,
    { caseNumber, staffNumber, from, to: toDay ? new Date(toDay.getTime() + 86_400_000) : undefined, inScope: scopePredicate('agencies', scope) },
    { offset: (page.page - 1) * page.pageSize, limit: page.pageSize },
  );
  const now = services.now();
  const items = [];
  for (const number of found.numbers) items.push(await presentCase(services.db, services.protector, number, now));
  return { items, total: found.total, page: page.page, pageSize: page.pageSize };
}
