// A small catalogue to rate in: two agencies in two regions, a center with
// windows, staff, an immediate and a promised matter, and API clients for a
// business system and every channel.
import { createEntity } from '../../src/app/catalogue.ts';
import { createClient } from '../../src/app/clients.ts';
import { systemCaller, type Services } from '../../src/app/context.ts';
import { RATER_CHANNELS } from '../../src/domain/ratings.ts';
import type { Applicant } from '../../src/domain/applicants.ts';
import { buildAgency, buildBusinessLine, buildCenter, buildMatter, buildStaff, residentId } from './factories.ts';

const SYSTEM = systemCaller('test');

export async function buildWorld(services: Services, tag = 'W') {
  const line = await createEntity(services, SYSTEM, 'business-lines', buildBusinessLine({ code: `${tag}-LINE` }));
  const agencyA = await createEntity(
    services,
    SYSTEM,
    'agencies',
    buildAgency({ businessLineCode: line.code, regionCode: '450102', name: '兴宁区市场监管局' }),
  );
  const agencyB = await createEntity(
    services,
    SYSTEM,
    'agencies',
    buildAgency({ businessLineCode: line.code, regionCode: '450103', name: '青秀区市场监管局' }),
  );
  const center = await createEntity(services, SYSTEM, 'centers', buildCenter({ code: `${tag}-C` }));
  await createEntity(services, SYSTEM, 'windows', { centerCode: center.code, number: '1', agencyCode: agencyA.code });
  await createEntity(services, SYSTEM, 'windows', { centerCode: center.code, number: '2', agencyCode: agencyB.code });
  const staffA = await createEntity(
    services,
    SYSTEM,
    'staff',
    buildStaff({ staffNumber: `${tag}-SA`, agencyCode: agencyA.code, centerCode: center.code, windowNumber: '1' }),
  );
  const staffB = await createEntity(
    services,
    SYSTEM,
    'staff',
    buildStaff({ staffNumber: `${tag}-SB`, agencyCode: agencyB.code, centerCode: center.code, windowNumber: '2' }),
  );
  const immediate = await createEntity(
    services,
    SYSTEM,
    'matters',
    buildMatter({ code: `${tag}-IMM-0001`, businessLineCode: line.code, agencyCode: agencyA.code, kind: 'immediate', timeLimitDays: 0 }),
  );
  const promised = await createEntity(
    services,
    SYSTEM,
    'matters',
    buildMatter({ code: `${tag}-PRO-0001`, businessLineCode: line.code, agencyCode: agencyA.code, kind: 'promised' }),
  );
  const promisedB = await createEntity(
    services,
    SYSTEM,
    'matters',
    buildMatter({ code: `${tag}-PRO-0002`, businessLineCode: line.code, agencyCode: agencyB.code, kind: 'promised' }),
  );
  const business = await createClient(services, SYSTEM, { name: `${tag} 一体化平台`, kind: 'business_system' });
  const channelKeys: Record<string, string> = {};
  for (const channel of RATER_CHANNELS)
    channelKeys[channel] = (await createClient(services, SYSTEM, { name: `${tag} ${channel}`, kind: 'channel', channel })).key;
  return {
    line,
    agencyA,
    agencyB,
    center,
    staffA,
    staffB,
    immediate,
    promised,
    promisedB,
    businessKey: business.key,
    channelKeys,
  };
}

let applicantSeq = 0;
export function buildApplicant(o: Partial<Applicant> = {}): Applicant {
  return { name: '张三', idType: 'resident_id', idNumber: residentId(++applicantSeq, '450103', '19850612'), phone: '13877001234', ...o };
}
