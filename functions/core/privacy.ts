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
