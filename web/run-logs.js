// The run page's build logs: each panel polls its log endpoint and appends the (already masked)
// lines as text, live while the build runs; it stops once the endpoint says the log is complete.
// Served as a file (/static/run-logs.js) because the page's Content-Security-Policy allows no
// inline script.
const FAST_MS = 300;
const SLOW_MS = 2000;
const RETRY_MS = 5000;

function followLog(pre) {
  const panel = pre.closest('.build-log');
  const status = panel ? panel.querySelector('[data-log-status]') : null;
  const say = (text) => {
    if (status) status.textContent = text;
  };
  let cursor = '';
  let shown = 0;
  const poll = async () => {
    const url = pre.dataset.logUrl + (cursor ? `?cursor=${encodeURIComponent(cursor)}` : '');
    let response;
    let body;
    try {
      response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
      body = await response.json();
    } catch {
      say('The log could not be read; trying again…');
      setTimeout(poll, RETRY_MS);
      return;
    }
    if (!response.ok) {
      say(
        body && typeof body.message === 'string'
          ? body.message
          : `The log could not be read (${response.status}).`,
      );
      return;
    }
    const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
    if (body.lines.length > 0) {
      pre.append(document.createTextNode(`${body.lines.join('\n')}\n`));
      shown += body.lines.length;
      if (atBottom) pre.scrollTop = pre.scrollHeight;
    }
    cursor = body.cursor;
    if (body.done) {
      say(
        shown === 0
          ? 'This build wrote no log.'
          : `Build ${body.build === 'ended' ? 'finished' : 'stopped'}: ${shown} lines. Reload the page for the step's result.`,
      );
      return;
    }
    if (body.build === 'waiting') say('Waiting for the build to start…');
    else if (body.build === 'running') say(`Running: ${shown} lines so far.`);
    else say(`Reading the log: ${shown} lines…`);
    setTimeout(poll, body.lines.length > 0 ? FAST_MS : SLOW_MS);
  };
  poll();
}

for (const pre of document.querySelectorAll('pre[data-log-url]')) followLog(pre);
