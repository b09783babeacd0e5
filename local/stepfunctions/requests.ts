import { SfnError } from './sfn-error.ts';

/** A request body as the JSON protocol delivers it. */
export type Request = Record<string, unknown>;

/** Reads a required string member, or throws ValidationException naming it. */
export function requiredString(request: Request, member: string): string {
  const value = request[member];
  if (typeof value !== 'string' || value === '') {
    throw new SfnError('ValidationException', `1 validation error detected: '${member}' must not be empty`);
  }
  return value;
}

/** Reads an optional string member, or throws ValidationException when it has another type. */
export function optionalString(request: Request, member: string): string | undefined {
  const value = request[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SfnError('ValidationException', `'${member}' must be a string`);
  return value;
}

/** Drops undefined members so responses carry only what is set. */
export function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as T;
}
