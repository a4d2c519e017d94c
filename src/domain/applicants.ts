// R9: every rating has an identified rater — the applicant of the case. What
// identifies an applicant, and how it is shown (masked) everywhere.
import type { FieldProblem } from './errors.ts';
import { isValidCreditCode, isValidMobile, isValidResidentId, maskIdNumber, maskPhone, normalizeMobile } from './identifiers.ts';

export const ID_TYPES = {
  resident_id: '居民身份证',
  uscc: '统一社会信用代码（企业、机构）',
  passport: '护照',
  hk_macao_permit: '港澳居民来往内地通行证',
  taiwan_permit: '台湾居民来往大陆通行证',
  foreign_permanent_resident: '外国人永久居留身份证',
} as const;
export type IdType = keyof typeof ID_TYPES;
export const ID_TYPE_NAMES = Object.keys(ID_TYPES) as IdType[];

export interface Applicant {
  name: string;
  idType: IdType;
  idNumber: string;
  phone?: string | null;
}

/** Checks an applicant (or a rater's claimed identity); problems name fields under `prefix`. */
export function checkApplicant(input: Applicant, prefix: string): { applicant: Applicant; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const name = input.name.trim();
  const idNumber = input.idNumber.trim().toUpperCase();
  if (!name || name.length > 100) problems.push({ field: `${prefix}/name`, message: 'must be 1 to 100 characters' });
  const valid =
    input.idType === 'resident_id' ? isValidResidentId(idNumber) : input.idType === 'uscc' ? isValidCreditCode(idNumber) : /^[A-Z0-9]{5,30}$/.test(idNumber);
  if (!valid) problems.push({ field: `${prefix}/idNumber`, message: `is not a valid ${ID_TYPES[input.idType] ?? 'ID'} number` });
  const phone = input.phone?.trim() ? normalizeMobile(input.phone) : null;
  if (phone && !isValidMobile(phone)) problems.push({ field: `${prefix}/phone`, message: 'is not an 11-digit mobile number' });
  return { applicant: { name, idType: input.idType, idNumber, phone }, problems };
}

/** R9: the name shown masked: 张三 → 张*, 欧阳娜娜 → 欧***. */
/** R9: the first character and two stars, whatever the length (the length would tell too much). */
export const maskName = (name: string): string => {
  const chars = [...name];
  return chars.length <= 1 ? '*' : `${chars[0]}**`;
};

export function maskApplicant(applicant: Applicant) {
  return {
    name: maskName(applicant.name),
    idType: applicant.idType,
    idNumber: maskIdNumber(applicant.idNumber),
    phone: applicant.phone ? maskPhone(applicant.phone) : null,
  };
}

/** What the keyed hash of an identity is taken over: type and number. */
export const identityKey = (idType: IdType, idNumber: string) => `${idType}:${idNumber.trim().toUpperCase()}`;
