/**
 * What counts as a secret (issue 12 §2). The stack creates every provider secret with the fixed
 * placeholder below (CloudFormation generates only one key of a JSON secret), and this repository
 * is public: a field that still holds it, an empty one, or a signing secret too short to be real is
 * treated as absent. Signed routes then refuse everything instead of verifying against a value
 * anyone can compute, and the status routes, metrics and alarms name the field.
 */

import { MisconfiguredError } from './errors.js';

/** The value the stack writes into every field it cannot generate (lib/constructs/provider-secret.ts). */
export const SECRET_PLACEHOLDER = 'REPLACE_ME';

/**
 * The shortest signing secret taken for real: 16 characters (128 bits when random). HubSpot's
 * client secrets are UUIDs (36); a shorter value is a typo or a test value.
 */
export const MIN_SIGNING_SECRET_LENGTH = 16;

/** The metric counting uses of an unusable secret, and its dimension naming the field (`hubspot.clientSecret`). */
export const SECRET_UNSET_METRIC = 'SecretUnset';
export const SECRET_DIMENSION = 'Secret';

export type SecretProblem = 'unset' | 'placeholder' | 'too_short';

/** Why a value is no secret, or undefined when it is one. */
export function secretProblem(value: string | undefined, options: { signing?: boolean } = {}): SecretProblem | undefined {
  const text = value?.trim() ?? '';
  if (text === '') return 'unset';
  if (text.toUpperCase().includes(SECRET_PLACEHOLDER)) return 'placeholder';
  if (options.signing && text.length < MIN_SIGNING_SECRET_LENGTH) return 'too_short';
  return undefined;
}

const DESCRIPTIONS: Record<SecretProblem, string> = {
  unset: 'is not set',
  placeholder: `still holds the placeholder ${SECRET_PLACEHOLDER}`,
  too_short: `is shorter than ${MIN_SIGNING_SECRET_LENGTH} characters`,
};

/**
 * A secret field that cannot be used. `secret` names it as `<secret id>.<field>` (e.g.
 * `hubspot.clientSecret`): safe to log, show and alarm on; the value is never in the message.
 */
export class UnsetSecretError extends MisconfiguredError {
  override readonly name = 'UnsetSecretError';
  constructor(
    readonly secret: string,
    readonly problem: SecretProblem,
    /** Where to set it, e.g. the local environment variable. */
    hint?: string,
  ) {
    super(`Secret ${secret} ${DESCRIPTIONS[problem]}${hint ? ` (${hint})` : ''}`);
  }
}
