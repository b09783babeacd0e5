/** Small text formats the pages share. */

/** An ISO time as `2026-11-25 14:00:05 UTC` (or a dash). */
export function formatTimestamp(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A duration as `850 ms`, `12 s`, `4 min 5 s`, `2 h 10 min`, `3 d 4 h`. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** A query string from the non-empty values, with a leading `?` (or nothing). */
export function queryString(values: Record<string, string | undefined>): string {
  const entries = Object.entries(values).filter((e): e is [string, string] => Boolean(e[1]));
  return entries.length > 0 ? `?${new URLSearchParams(entries).toString()}` : '';
}
