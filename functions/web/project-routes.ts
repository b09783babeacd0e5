/** `GET /projects/{project}`: a project's drift-check history. */
import { createError } from '@middy/util';
import { renderProjectPage } from '../../web/project-page.ts';
import type { WebDeps } from '../wiring/http.ts';
import { checkedProjects, PROJECT_HISTORY } from './drift-check-views.ts';
import { requireSession } from './guards.ts';
import { param, type WebRequest } from './request.ts';
import { htmlResponse, type WebResponse } from './responses.ts';

/** `GET /projects/{project}`: a project no drift check plans is a 404 naming the ones that are. */
export async function showProject(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const session = await requireSession(deps, request);
  const project = param(request, 'project');
  const known = checkedProjects(deps.workflows.all());
  if (!known.includes(project))
    throw createError(
      404,
      `No workflow checks a project named "${project}" for drift${known.length > 0 ? ` (checked: ${known.join(', ')})` : ''}.`,
    );
  const checks = await deps.driftChecks.history(project, PROJECT_HISTORY);
  const page = renderProjectPage({
    user: { name: session.user.name, email: session.user.email, csrf: session.csrf },
    project,
    checks,
  });
  return htmlResponse(200, page, deps.config.local);
}
