// R1-R3: the organisations a rating is attributed to, and the service
// catalogue — described once, field by field. The same description checks a
// JSON body from the API and a row of an imported spreadsheet, names the
// columns of an export, and feeds the OpenAPI schemas.
import type { FieldProblem } from './errors.ts';
import { isValidCreditCode, isValidMobile, isValidResidentId } from './identifiers.ts';
import { normalizeRegionCode } from './regions.ts';

export type EntityKind = 'business-lines' | 'agencies' | 'centers' | 'windows' | 'staff' | 'matters';

export type FieldType =
  | { kind: 'text'; max: number; pattern?: RegExp; hint?: string; upper?: boolean }
  | { kind: 'creditCode' }
  | { kind: 'residentId' }
  | { kind: 'mobile' }
  | { kind: 'boolean' }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'enum'; values: Record<string, readonly string[]> }
  | { kind: 'region' }
  | { kind: 'ref'; entity: EntityKind }
  /** An ISO instant, or a China-time day (YYYY-MM-DD: its 00:00 CST). */
  | { kind: 'instant' };

export interface FieldSpec {
  /** Name in the API (camelCase). */
  name: string;
  /** Column header in spreadsheets (imports accept this or `name`). */
  zh: string;
  type: FieldType;
  required: boolean;
  /** Part of the natural key: set on create, never changed. */
  key?: boolean;
  /** Personal data: stored protected, never returned or exported in clear. */
  protected?: boolean;
  /** Changed only through a transfer (R3 history), not by a plain update. */
  assignment?: boolean;
  /** Not a column of its own: read from elsewhere (staff's assignedFrom is the current period's start). */
  derived?: boolean;
  description?: string;
}

export interface EntitySpec {
  kind: EntityKind;
  /** For error ids and messages: agency → agency_not_found. */
  singular: string;
  zh: string;
  fields: readonly FieldSpec[];
}

const CODE = /^[A-Z0-9][A-Z0-9_-]{1,31}$/;
const CENTER_CODE = /^[A-Z0-9][A-Z0-9_-]{1,39}$/;
const YES = ['true', '1', 'yes', 'y', '是', '√'];
const NO = ['false', '0', 'no', 'n', '否', ''];

const text = (name: string, zh: string, max: number, required = true): FieldSpec => ({ name, zh, type: { kind: 'text', max }, required });

export const ENTITIES: Record<EntityKind, EntitySpec> = {
  'business-lines': {
    kind: 'business-lines',
    singular: 'business_line',
    zh: '业务条线',
    fields: [
      {
        name: 'code',
        zh: '条线代码',
        type: { kind: 'text', max: 32, pattern: CODE, hint: 'capital letters, digits, - or _', upper: true },
        required: true,
        key: true,
      },
      text('name', '条线名称', 100),
      { ...text('department', '自治区主管部门', 100), description: 'The autonomous-region department responsible for the line' },
    ],
  },
  agencies: {
    kind: 'agencies',
    singular: 'agency',
    zh: '政务服务机构',
    fields: [
      { name: 'code', zh: '统一社会信用代码', type: { kind: 'creditCode' }, required: true, key: true },
      text('name', '机构名称', 200),
      { name: 'regionCode', zh: '所属地区代码', type: { kind: 'region' }, required: true },
      { name: 'businessLineCode', zh: '业务条线代码', type: { kind: 'ref', entity: 'business-lines' }, required: true },
      { name: 'centralUnit', zh: '是否中直驻桂单位', type: { kind: 'boolean' }, required: false, description: 'R1: central unit stationed in Guangxi' },
    ],
  },
  centers: {
    kind: 'centers',
    singular: 'center',
    zh: '政务服务中心',
    fields: [
      {
        name: 'code',
        zh: '中心代码',
        type: { kind: 'text', max: 40, pattern: CENTER_CODE, hint: 'capital letters, digits, - or _', upper: true },
        required: true,
        key: true,
      },
      text('name', '中心名称', 200),
      { name: 'regionCode', zh: '所属地区代码', type: { kind: 'region' }, required: true },
      {
        name: 'parentCode',
        zh: '上级中心代码',
        type: { kind: 'ref', entity: 'centers' },
        required: false,
        description: 'Set for a sub-center (分中心): the center it belongs to',
      },
    ],
  },
  windows: {
    kind: 'windows',
    singular: 'window',
    zh: '窗口',
    fields: [
      { name: 'centerCode', zh: '中心代码', type: { kind: 'ref', entity: 'centers' }, required: true, key: true },
      {
        name: 'number',
        zh: '窗口号',
        type: { kind: 'text', max: 20, pattern: /^[A-Za-z0-9-]{1,20}$/, hint: 'letters, digits or -' },
        required: true,
        key: true,
      },
      text('name', '窗口名称', 100, false),
      { name: 'agencyCode', zh: '进驻机构统一社会信用代码', type: { kind: 'ref', entity: 'agencies' }, required: true },
      {
        name: 'deviceSerial',
        zh: '评价器编号',
        type: { kind: 'text', max: 64, pattern: /^[A-Za-z0-9_-]{1,64}$/, hint: 'letters, digits, - or _' },
        required: false,
      },
    ],
  },
  staff: {
    kind: 'staff',
    singular: 'staff',
    zh: '窗口工作人员',
    fields: [
      {
        name: 'staffNumber',
        zh: '工号',
        type: { kind: 'text', max: 32, pattern: /^[A-Za-z0-9_-]{1,32}$/, hint: 'letters, digits, - or _' },
        required: true,
        key: true,
      },
      text('name', '姓名', 50),
      { name: 'agencyCode', zh: '所属机构统一社会信用代码', type: { kind: 'ref', entity: 'agencies' }, required: true, assignment: true },
      { name: 'centerCode', zh: '所在中心代码', type: { kind: 'ref', entity: 'centers' }, required: false, assignment: true },
      {
        name: 'windowNumber',
        zh: '窗口号',
        type: { kind: 'text', max: 20, pattern: /^[A-Za-z0-9-]{1,20}$/, hint: 'letters, digits or -' },
        required: false,
        assignment: true,
      },
      { name: 'idNumber', zh: '身份证号', type: { kind: 'residentId' }, required: false, protected: true },
      { name: 'phone', zh: '手机号', type: { kind: 'mobile' }, required: false, protected: true },
      {
        name: 'assignedFrom',
        zh: '到岗时间',
        type: { kind: 'instant' },
        required: false,
        derived: true,
        description:
          'R3: when the current assignment began (default: now). Set it when the platform goes live mid-year, so that earlier cases are attributed correctly; not in the future.',
      },
    ],
  },
  matters: {
    kind: 'matters',
    singular: 'matter',
    zh: '政务服务事项',
    fields: [
      {
        name: 'code',
        zh: '实施编码',
        type: { kind: 'text', max: 64, pattern: /^[0-9A-Z-]{8,64}$/, hint: '8 to 64 capital letters, digits or -', upper: true },
        required: true,
        key: true,
      },
      text('name', '事项名称', 300),
      {
        name: 'kind',
        zh: '办件类型',
        type: { kind: 'enum', values: { immediate: ['即办件', '即办'], promised: ['承诺件', '承诺'] } },
        required: true,
        description: 'R7: immediate (即办件) or promised (承诺件)',
      },
      { name: 'businessLineCode', zh: '业务条线代码', type: { kind: 'ref', entity: 'business-lines' }, required: true },
      { name: 'agencyCode', zh: '实施机构统一社会信用代码', type: { kind: 'ref', entity: 'agencies' }, required: true },
      { name: 'timeLimitDays', zh: '法定办结时限（天）', type: { kind: 'integer', min: 0, max: 3650 }, required: true },
    ],
  },
};

export const ENTITY_KINDS = Object.keys(ENTITIES) as EntityKind[];

/** The status column of exports; imports read it back without applying it. */
export const STATUS_ZH = { header: '状态', active: '在用', retired: '已停用' } as const;

export type FieldValue = string | number | boolean | null;
export type ParsedRecord = Record<string, FieldValue>;

type Parsed = { ok: true; value: FieldValue } | { ok: false; message: string };

/**
 * Reads one field, from JSON (typed) or from a spreadsheet cell (a string).
 * Empty means absent. Codes are trimmed and, where the field says so,
 * upper-cased: people type them in many ways.
 */
export function parseField(field: FieldSpec, raw: unknown): Parsed {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
    if (field.type.kind === 'boolean') return { ok: true, value: false };
    return field.required ? { ok: false, message: 'is required' } : { ok: true, value: null };
  }
  const type = field.type;
  const str = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : null;
  if (str === null) return { ok: false, message: 'must be text' };
  switch (type.kind) {
    case 'text': {
      const value = type.upper ? str.toUpperCase() : str;
      if (value.length > type.max) return { ok: false, message: `must be at most ${type.max} characters` };
      if (type.pattern && !type.pattern.test(value)) return { ok: false, message: `must be ${type.hint ?? 'in the expected form'} (got "${value}")` };
      return { ok: true, value };
    }
    case 'creditCode': {
      const value = str.toUpperCase();
      return isValidCreditCode(value) ? { ok: true, value } : { ok: false, message: `is not a valid unified social credit code (got "${value}")` };
    }
    case 'residentId': {
      const value = str.toUpperCase();
      return isValidResidentId(value) ? { ok: true, value } : { ok: false, message: 'is not a valid 18-digit resident ID number' };
    }
    case 'mobile':
      return isValidMobile(str) ? { ok: true, value: str } : { ok: false, message: 'is not an 11-digit mobile number' };
    case 'boolean': {
      const lower = str.toLowerCase();
      if (YES.includes(lower)) return { ok: true, value: true };
      if (NO.includes(lower)) return { ok: true, value: false };
      return { ok: false, message: `must be 是/否 or true/false (got "${str}")` };
    }
    case 'integer': {
      if (!/^-?\d+$/.test(str)) return { ok: false, message: `must be a whole number (got "${str}")` };
      const n = Number(str);
      if (n < type.min || n > type.max) return { ok: false, message: `must be from ${type.min} to ${type.max} (got ${n})` };
      return { ok: true, value: n };
    }
    case 'enum': {
      for (const [value, spellings] of Object.entries(type.values)) {
        if (str === value || spellings.includes(str)) return { ok: true, value };
      }
      const allowed = Object.entries(type.values).map(([v, s]) => `${v} (${s[0]})`);
      return { ok: false, message: `must be one of ${allowed.join(', ')} (got "${str}")` };
    }
    case 'region': {
      const value = normalizeRegionCode(str);
      return value ? { ok: true, value } : { ok: false, message: `is not a division code (got "${str}")` };
    }
    case 'instant': {
      // A day is China time's midnight (R1: deadlines and days are CST).
      const iso = /^\d{4}-\d{2}-\d{2}$/.test(str) ? `${str}T00:00:00+08:00` : str;
      const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? new Date(iso) : new Date(NaN);
      if (Number.isNaN(at.getTime()) || at.getUTCFullYear() < 2000)
        return { ok: false, message: `must be a day (2026-03-01) or an ISO instant from 2000 on (got "${str}")` };
      return { ok: true, value: at.toISOString() };
    }
    case 'ref': {
      const target = ENTITIES[type.entity];
      const keyField = target.fields.find((f) => f.key)!;
      return parseField({ ...keyField, required: field.required }, str);
    }
  }
}

/**
 * Reads a whole record. `partial` (an update) reads only the fields given
 * and refuses key fields. Returns the values and every problem, each naming
 * its field through `fieldName` (a JSON pointer for the API, a column for imports).
 */
export function parseRecord(
  spec: EntitySpec,
  input: Record<string, unknown>,
  options: { partial?: boolean; fieldName: (field: FieldSpec) => string },
): { record: ParsedRecord; problems: FieldProblem[] } {
  const record: ParsedRecord = {};
  const problems: FieldProblem[] = [];
  for (const field of spec.fields) {
    if (options.partial && !(field.name in input)) continue;
    if (options.partial && field.key) {
      problems.push({ field: options.fieldName(field), message: 'is part of the key and cannot be changed' });
      continue;
    }
    const parsed = parseField(field, input[field.name]);
    if (parsed.ok) record[field.name] = parsed.value;
    else problems.push({ field: options.fieldName(field), message: parsed.message });
  }
  // Rules across fields.
  if (spec.kind === 'staff' && record.windowNumber && !record.centerCode && !options.partial) {
    problems.push({ field: options.fieldName(spec.fields.find((f) => f.name === 'centerCode')!), message: 'is required when a window number is given' });
  }
  return { record, problems };
}

export const keyFields = (spec: EntitySpec) => spec.fields.filter((f) => f.key);
