import { SfnError } from './sfn-error.ts';

/** Reads `maxResults` (0 or absent means the default; AWS caps it at 1000). */
export function pageSize(maxResults: unknown, fallback = 100): number {
  if (maxResults === undefined || maxResults === null || maxResults === 0) return fallback;
  if (
    typeof maxResults !== 'number' ||
    !Number.isInteger(maxResults) ||
    maxResults < 0 ||
    maxResults > 1000
  ) {
    throw new SfnError('ValidationException', 'maxResults must be an integer from 0 to 1000');
  }
  return maxResults;
}

/** Encodes a position in a listing as an opaque page token. */
export function encodePageToken(position: number): string {
  return Buffer.from(JSON.stringify({ p: position })).toString('base64url');
}

/** Decodes a page token made by `encodePageToken`; undefined when there is none. */
export function decodePageToken(token: unknown): number | undefined {
  if (token === undefined || token === null || token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { p?: unknown };
    if (typeof parsed.p === 'number' && Number.isInteger(parsed.p)) return parsed.p;
  } catch {
    // Falls through to the error below.
  }
  throw new SfnError('InvalidToken', 'Invalid Token: the nextToken is not one this server issued');
}
