/** Change freezes in effect or to come, as the runs page shows them above the runs. */
import type { FreezeView } from '../functions/core/freeze/adhoc-freezes.ts';
import { formatInZone } from '../statemachines/time-zone.ts';
import { html, type SafeHtml } from './html.ts';

/** What the page knows of freezes: those in effect, and those starting within two weeks. */
export interface FreezeListView {
  active: FreezeView[];
  upcoming: FreezeView[];
}

/** A warning per freeze in effect, and a note listing those to come; nothing when there are none. */
export function renderFreezeNotice(freezes: FreezeListView | undefined): SafeHtml | string {
  if (!freezes || (freezes.active.length === 0 && freezes.upcoming.length === 0)) return '';
  return html`<section class="freezes" aria-label="Change freezes">
${freezes.active.map(
  (f) =>
    html`<div class="flash flash-warn" role="note"><strong>Change freeze in effect: ${f.name}.</strong> ${f.reason}. Covers ${covers(f)} ${until(f)}; their applies ${f.apply === 'fail' ? 'are refused' : 'wait for its end'} (only an emergency bypass goes through).</div>`,
)}
${
  freezes.upcoming.length > 0
    ? html`<p class="muted">Freezes to come: ${freezes.upcoming.map(
        (f, i) =>
          html`${i > 0 ? '; ' : ''}<strong>${f.name}</strong> from ${formatInZone(new Date(f.starts_at), f.timezone)} ${until(f)} (${covers(f)}: ${f.reason})`,
      )}.</p>`
    : ''
}
</section>`;
}

function covers(f: FreezeView): string {
  if (f.environments.length === 0 && f.workflows.length === 0) return 'every workflow';
  return [...f.environments.map((e) => `${e} workflows`), ...f.workflows].join(', ');
}

function until(f: FreezeView): string {
  return f.ends_at ? `until ${formatInZone(new Date(f.ends_at), f.timezone)}` : 'until an admin ends it';
}
