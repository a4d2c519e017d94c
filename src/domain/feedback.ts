// R6, R12, appeals: what the rater is told, by SMS through the outbox and on
// the rating link's page, when the supervision loop decides about their
// rating. Pure: the use cases give the facts. Nothing here names anyone (R9):
// not the rater, and not the supervisor who decided.
import { SIGNATURE } from './invitations.ts';

export const FEEDBACK_KINDS = ['review_rejected', 'unfounded', 'rectified', 'appeal_upheld', 'revoked'] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

/** The longest decision text quoted in an SMS; the page shows it whole. */
export const FEEDBACK_QUOTE_MAX = 120;

/** A decision's text as quoted: one line, cut to FEEDBACK_QUOTE_MAX, without its own closing full stop (the sentence adds one). */
const quote = (text: string) => {
  const t = text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[。.!！;；]+$/u, '');
  return t.length > FEEDBACK_QUOTE_MAX ? `${t.slice(0, FEEDBACK_QUOTE_MAX - 1)}…` : t;
};

/** The SMS text (before the link) for a decision about a rating of `what` (the matter or package), with the platform's signature. */
export function feedbackText(kind: FeedbackKind, facts: { what: string; text: string }): string {
  return `${SIGNATURE}${sentence(kind, facts)}`;
}

function sentence(kind: FeedbackKind, facts: { what: string; text: string }): string {
  const what = facts.what.length > 30 ? `${facts.what.slice(0, 29)}…` : facts.what;
  switch (kind) {
    case 'review_rejected':
      return `您对“${what}”的评价经审核不属于有效的服务评价（${quote(facts.text)}），不计入评价结果。`;
    case 'unfounded':
      return `您对“${what}”的评价已核实，情况说明：${quote(facts.text)}。`;
    case 'rectified':
      return `您对“${what}”反映的问题已整改：${quote(facts.text)}。欢迎评价整改结果。`;
    case 'appeal_upheld':
      return `您对“${what}”的评价经申诉复核，${quote(facts.text)}，不计入评价结果。`;
    case 'revoked':
      return `您对“${what}”的评价经核实系客观原因所致（${quote(facts.text)}），已撤销。`;
  }
}
