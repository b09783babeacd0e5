/**
 * Opaque pagination cursors: a DynamoDB LastEvaluatedKey, tied to the index it came from,
 * as base64url JSON. Decoding checks the shape, so a forged cursor is a clear 400, not a crash.
 */
import { SignoffError } from '../core/errors.ts';

/** A cursor that is not one this API handed out (or belongs to another listing). */
export class InvalidCursorError extends SignoffError {}

/** Encodes an index name and its LastEvaluatedKey. */
export function encodeCursor(index: string, key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ i: index, k: key })).toString('base64url');
}

/** Decodes a cursor for `index`, allowing only the given key attributes with string or number values. */
export function decodeCursor(
  cursor: string,
  index: string,
  keyNames: readonly string[],
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('the cursor is not valid');
  }
  const { i, k } = (parsed ?? {}) as { i?: unknown; k?: unknown };
  if (i !== index) throw new InvalidCursorError('the cursor belongs to a different listing');
  if (typeof k !== 'object' || k === null || Array.isArray(k))
    throw new InvalidCursorError('the cursor is not valid');
  const entries = Object.entries(k);
  const valid = entries.every(
    ([name, value]) => keyNames.includes(name) && (typeof value === 'string' || typeof value === 'number'),
  );
  if (!valid || entries.length === 0) throw new InvalidCursorError('the cursor is not valid');
  return k as Record<string, unknown>;
}
