/** Reads a vote posted from a web page: Approve with an optional comment, or Reject with a reason and its confirmation. */
import { createError } from '@middy/util';

/** A web vote as castVote takes it. */
export interface WebVote {
  decision: 'approve' | 'reject';
  comment?: string;
}

/**
 * The decision and its comment from a posted form. A rejection needs a reason (`reason`) and the
 * ticked confirmation (`confirm=reject`); without either it is refused with a 400 naming every
 * missing part, before anything is read or written.
 */
export function readWebVote(form: Record<string, string>): WebVote {
  const decision = form.decision;
  if (decision === 'approve') return { decision, ...(form.comment?.trim() ? { comment: form.comment } : {}) };
  if (decision !== 'reject') throw createError(400, 'Choose Approve or Reject.');
  const reason = form.reason?.trim() ? form.reason : undefined;
  const problems: string[] = [];
  if (!reason) problems.push('say why in the reason box');
  if (form.confirm !== 'reject') problems.push('tick “I want to reject” to confirm');
  if (!reason || problems.length > 0) {
    throw createError(400, `Your rejection was not counted: ${problems.join(', and ')}. Nothing changed.`);
  }
  return { decision, comment: reason };
}
