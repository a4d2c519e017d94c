// The policy as versioned data, and the working-day calendar (issue 13):
// everyone signed in reads them; admins add a version (effective today or
// later) and replace a year of holidays. Every change is audited.
import { Type, type TNumber, type TOptional } from 'typebox';
import type { AppInstance } from '../../server.ts';
import { createPolicyVersion, getCalendarYear, getPolicy, listCalendarYears, replaceCalendarYear } from '../../../app/policy.ts';
import { DAY_UNITS } from '../../../domain/calendar.ts';
import { DEADLINE_KEYS, DEFAULT_LEVELS, POLICY_LIMITS } from '../../../domain/policy.ts';
import { callerOf, USER_SECURITY } from '../../plugins/auth.ts';
import { ErrorBody, Nullable } from '../../schemas.ts';

const Day = Type.String({ format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A China day, YYYY-MM-DD' });

const DayCount = Type.Object(
  {
    days: Type.Integer({ minimum: POLICY_LIMITS.days.min, maximum: POLICY_LIMITS.days.max }),
    unit: Type.Enum([...DAY_UNITS], { description: 'natural: calendar days (自然日); working: working days (工作日) by the holiday calendar' }),
  },
  { additionalProperties: false },
);

const deadlines = Object.fromEntries(DEADLINE_KEYS.map((k) => [k, DayCount])) as Record<(typeof DEADLINE_KEYS)[number], typeof DayCount>;

/** One signal's thresholds, each field optional (kept from the version in force when left out). */
function signalSchema<K extends string>(signal: string, fields: readonly K[]) {
  const props = Object.fromEntries(fields.map((f) => [f, Type.Optional(Type.Number({ description: `${signal}.${f}` }))])) as { [P in K]: TOptional<TNumber> };
  return Type.Optional(Type.Object(props, { additionalProperties: false }));
}
/** R10: the signals' thresholds (src/domain/detection/types.ts, docs/policy.md). */
const Detection = Type.Object(
  {
    raterBurst: signalSchema('raterBurst', ['count', 'hours']),
    deviceBurst: signalSchema('deviceBurst', ['count', 'minutes']),
    offHours: signalSchema('offHours', ['count', 'marginMinutes']),
    quickCases: signalSchema('quickCases', ['count', 'caseSeconds', 'rateSeconds']),
    linkRepeat: signalSchema('linkRepeat', ['count', 'hours']),
    peerShare: signalSchema('peerShare', ['alpha', 'minRatings', 'minLift']),
    shareJump: signalSchema('shareJump', ['alpha', 'days', 'minRatings']),
  },
  { additionalProperties: false, description: 'R10: thresholds of the signals of faked good ratings (docs/policy.md)' },
);

const Numbers = Type.Object(
  {
    ...deadlines,
    defaultLevel: Type.Enum([...DEFAULT_LEVELS], { description: 'R6: the level of a default rating' }),
    keyTargets: Type.Object(
      {
        minShare: Type.Number({
          minimum: POLICY_LIMITS.minShare.min,
          maximum: POLICY_LIMITS.minShare.max,
          description: 'R11: share of ratings below 基本满意',
        }),
        minCount: Type.Integer({
          minimum: POLICY_LIMITS.minCount.min,
          maximum: POLICY_LIMITS.minCount.max,
          description: 'R11: count of ratings below 基本满意',
        }),
      },
      { additionalProperties: false },
    ),
    replacement: Type.Object(
      {
        bottomN: Type.Integer({ minimum: POLICY_LIMITS.bottomN.min, maximum: POLICY_LIMITS.bottomN.max, description: 'R11: the bottom N staff' }),
        periods: Type.Integer({ minimum: POLICY_LIMITS.periods.min, maximum: POLICY_LIMITS.periods.max, description: 'R11: for M consecutive months' }),
        deadlineDays: Type.Optional(
          Type.Integer({
            minimum: POLICY_LIMITS.deadlineDays.min,
            maximum: POLICY_LIMITS.deadlineDays.max,
            description: 'R11: natural days the agency has to deal with a replacement flag (kept from the version in force when left out)',
          }),
        ),
        minGroupStaff: Type.Optional(
          Type.Integer({
            minimum: POLICY_LIMITS.minGroupStaff.min,
            maximum: POLICY_LIMITS.minGroupStaff.max,
            description: 'R11: an agency with fewer ranked staff is ranked with its business line at its region level',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    detection: Type.Optional(Detection),
  },
  { additionalProperties: false },
);

const Person = Nullable(Type.Object({ username: Type.String(), displayName: Type.String() }));

const Version = Type.Object({
  id: Type.Integer(),
  effectiveFrom: Day,
  numbers: Numbers,
  note: Type.String(),
  createdBy: Person,
  createdAt: Type.String({ format: 'date-time' }),
  state: Type.Enum(['in_force', 'scheduled', 'superseded'], {
    description: 'in_force today; scheduled: takes effect later; superseded: no longer, or never, in force',
  }),
});

const CalendarDay = Type.Object(
  {
    day: Day,
    kind: Type.Enum(['holiday', 'workday'], { description: 'holiday: 放假; workday: a weekend day worked (调休上班)' }),
    name: Type.String({ minLength: 1, maxLength: 50 }),
  },
  { additionalProperties: false },
);

const Year = Type.Object({
  year: Type.Integer(),
  covered: Type.Boolean({ description: 'false: the calendar lacks the year; counting working days in it is refused (calendar_year_missing)' }),
  source: Nullable(Type.String()),
  updatedAt: Nullable(Type.String({ format: 'date-time' })),
  updatedBy: Person,
  days: Type.Array(CalendarDay),
});

const YearParam = Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }) });

export default async function policyRoutes(app: AppInstance) {
  const services = () => app.deps.services;
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody };

  app.get(
    '/policy',
    {
      config: { access: { action: 'policy.read' } },
      schema: {
        tags: ['policy'],
        security: USER_SECURITY,
        summary: 'The policy numbers in force today (China time) and every version, newest effective date first',
        response: { 200: Type.Object({ today: Day, inForce: Version, versions: Type.Array(Version) }), ...errors },
      },
    },
    async (request) => getPolicy(services(), callerOf(request)),
  );

  app.post(
    '/policy/versions',
    {
      config: { access: { action: 'policy.manage', audited: true } },
      schema: {
        tags: ['policy'],
        security: USER_SECURITY,
        summary:
          'A new version of the numbers, effective from a China day today or later (policy_effective_in_past otherwise). ' +
          'What began before it keeps its version and deadlines.',
        body: Type.Object({ effectiveFrom: Day, numbers: Numbers, note: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
        response: { 201: Version, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createPolicyVersion(services(), callerOf(request), request.body)),
  );

  app.get(
    '/policy/calendar',
    {
      config: { access: { action: 'policy.read' } },
      schema: {
        tags: ['policy'],
        security: USER_SECURITY,
        summary: 'The years the holiday calendar covers, with their sources',
        response: {
          200: Type.Object({
            years: Type.Array(
              Type.Object({
                year: Type.Integer(),
                source: Type.String(),
                holidays: Type.Integer(),
                workdays: Type.Integer(),
                updatedAt: Type.String({ format: 'date-time' }),
                updatedBy: Person,
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => listCalendarYears(services(), callerOf(request)),
  );

  app.get(
    '/policy/calendar/:year',
    {
      config: { access: { action: 'policy.read' } },
      schema: {
        tags: ['policy'],
        security: USER_SECURITY,
        summary: "One year's official holidays and 调休 working days, or covered: false",
        params: YearParam,
        response: { 200: Year, ...errors },
      },
    },
    async (request) => getCalendarYear(services(), callerOf(request), request.params.year),
  );

  app.put(
    '/policy/calendar/:year',
    {
      config: { access: { action: 'policy.manage', audited: true } },
      schema: {
        tags: ['policy'],
        security: USER_SECURITY,
        summary:
          "Replace a year's holidays and 调休 working days (adds the year when missing), naming the notice they come from. " +
          'A day already past keeps its kind (calendar_past_day_changed).',
        params: YearParam,
        body: Type.Object(
          { source: Type.String({ minLength: 1, maxLength: 1000 }), days: Type.Array(CalendarDay, { minItems: 1, maxItems: 366 }) },
          { additionalProperties: false },
        ),
        response: { 200: Year, ...errors },
      },
    },
    async (request) => replaceCalendarYear(services(), callerOf(request), request.params.year, request.body),
  );
}
