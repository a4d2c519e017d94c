// What the database refused, in the API's terms: both engines (pg and PGlite)
// report the SQLSTATE code of a refused statement.

/**
 * What the database refused, in the API's terms (both engines give the
 * SQLSTATE code). A race of two identical creates ends here: the loser gets
 * 409 already_exists, never a 500.
 */
export function databaseError(error: unknown): { status: number; id: string; message: string } | null {
  const e = error as { code?: unknown; detail?: unknown; constraint?: unknown };
  if (typeof e.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code)) return null;
  const detail = typeof e.detail === 'string' ? e.detail : '';
  switch (e.code) {
    case '23505':
      return { status: 409, id: 'already_exists', message: detail ? `Already exists: ${detail}` : 'A record with this key already exists' };
    case '23503':
      return { status: 409, id: 'reference_conflict', message: detail || 'A record this one refers to does not exist, or one that refers to it does' };
    case '23514':
    case '23502':
      return { status: 400, id: 'invalid_value', message: `A value is not acceptable (${String(e.constraint ?? e.code)})` };
    case '22P05':
    case '22021':
      return { status: 400, id: 'invalid_text', message: 'The text holds characters that cannot be stored' };
    case '22003':
      return { status: 400, id: 'out_of_range', message: 'A number is out of range' };
    case '22007':
    case '22008':
      return { status: 400, id: 'invalid_date', message: 'A date or time is out of range' };
    default:
      return null;
  }
}
