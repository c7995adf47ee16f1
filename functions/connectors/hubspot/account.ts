/**
 * HubSpot's account details (`GET /account-info/2026-03/details`): which portal a token belongs to,
 * its time zone and its tier. A developer-platform app's static token, a legacy private app's token
 * and a service key all name one portal, so the product needs no configured portal id (issue 12
 * §1). The call needs the app's `oauth` scope
 * (https://developers.hubspot.com/docs/api-reference/latest/account/account-information/get-account-details).
 */
import { z } from 'zod';
import { ACCOUNT_INFO_PATH } from './api-paths.js';
import { parseAnswer, type HubSpotClient } from './client.js';

export const AccountDetailsSchema = z.looseObject({
  portalId: z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String),
  accountType: z.string().optional(),
  timeZone: z.string().optional(),
  companyCurrency: z.string().optional(),
  uiDomain: z.string().optional(),
  dataHostingLocation: z.string().optional(),
});
export type AccountDetails = z.infer<typeof AccountDetailsSchema>;

const CALL = { maxWaitMs: 2_000, timeoutMs: 10_000 };

export async function readAccountDetails(client: Pick<HubSpotClient, 'send'>): Promise<AccountDetails> {
  const response = await client.send('GET', ACCOUNT_INFO_PATH, undefined, CALL);
  return parseAnswer(AccountDetailsSchema, response.body, 'account details');
}
