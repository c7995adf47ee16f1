/**
 * Personal data in logs: emails are masked, never written whole (seed 004 runbook: logs carry the
 * lead id, not the person).
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  return `${local[0]}***@${domain}`;
}

/** Email-shaped runs in a provider's message ("Email address ana@x.com is invalid"), masked. */
const EMAIL_IN_TEXT = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+/g;

/** A provider's error text made fit for a log line: any email in it masked. */
export function maskEmailsIn(text: string): string {
  return text.replace(EMAIL_IN_TEXT, (email) => maskEmail(email));
}
