import { describe, expect, it } from 'vitest';
import { safeNext } from '../../../functions/web/guards.ts';

describe('safeNext', () => {
  it('keeps a path on this site, with its query and fragment', () => {
    expect(safeNext('/runs/r1')).toBe('/runs/r1');
    expect(safeNext('/audit?workflow=production-deploy#latest')).toBe(
      '/audit?workflow=production-deploy#latest',
    );
    expect(safeNext('/runs/%2F%2Fevil.example')).toBe('/runs/%2F%2Fevil.example');
  });

  // Issue 13: while signed in, GET /signin?next=%2F%09%2Fevil.example answered
  // 303 Location: /\t/evil.example, and browsers (which drop tabs) went to //evil.example.
  it.each([
    ['a tab, dropped by browsers', '/\t/evil.example'],
    ['a newline, which also broke the Location header', '/\n/evil.example'],
    ['a carriage return', '/\r/evil.example'],
    ['a backslash, read as a slash', '/\\evil.example'],
    ['two backslashes', '\\\\evil.example'],
    ['a protocol-relative URL', '//evil.example'],
    ['a dot segment normalized into //', '/.//evil.example'],
    ['a parent segment normalized into //', '/a/..//evil.example'],
    ['an absolute URL', 'https://evil.example/runs'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a leading space', ' /runs'],
    ['a NUL', '/runs\u0000'],
    ['DEL', '/runs\u007f'],
    ['nothing', ''],
  ])('refuses %s', (_, next) => {
    expect(safeNext(next)).toBe('/runs');
  });

  it('refuses an over-long value', () => {
    expect(safeNext(`/${'a'.repeat(600)}`)).toBe('/runs');
  });
});
