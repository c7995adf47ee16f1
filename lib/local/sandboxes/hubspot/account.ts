/**
 * The account details API (`GET /account-info/2026-03/details`, also on its legacy
 * `/account-info/v3/details`): the portal the token belongs to, its time zone, currency and kind
 * (https://developers.hubspot.com/docs/api-reference/latest/account/account-information/get-account-details).
 * The sandbox's portal is PORTAL_ID in US/Eastern (or the sandbox option `timeZone`), paying in
 * USD and hosted in na1; its kind is the sandbox option `accountType` (STANDARD unless set),
 * changed with `PUT /__sandbox/account`.
 */
import { z } from 'zod';
import type { Handler, Route } from './crm.js';
import { PORTAL_ID } from './errors.js';

export const ACCOUNT_TYPES = ['STANDARD', 'DEVELOPER_TEST', 'SANDBOX', 'APP_DEVELOPER'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export const AccountSettingsInput = z.strictObject({ accountType: z.enum(ACCOUNT_TYPES) });

export const ACCOUNT_TIME_ZONE = 'US/Eastern';

/** What the sandbox's account is; `accountType` may change at run time. */
export interface AccountSettings {
  accountType: AccountType;
  /** The account's IANA time zone, ACCOUNT_TIME_ZONE by default (the daily API limit resets at its midnight). */
  timeZone?: string;
  /** The portal the request's token belongs to (an OAuth install's), PORTAL_ID by default. */
  portalId?: number;
}

/** The time zone's offset from UTC at `at`, as `-05:00` and in milliseconds. */
function utcOffset(timeZone: string, at: Date): { utcOffset: string; utcOffsetMilliseconds: number } {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  if (!match) return { utcOffset: '+00:00', utcOffsetMilliseconds: 0 };
  const sign = match[1] === '-' ? -1 : 1;
  return { utcOffset: `${match[1]}${match[2]}:${match[3]}`, utcOffsetMilliseconds: sign * (Number(match[2]) * 60 + Number(match[3])) * 60_000 };
}

/** AccountDetails (every field is required in HubSpot's document). */
export function accountDetails(settings: AccountSettings, at = new Date()) {
  const timeZone = settings.timeZone ?? ACCOUNT_TIME_ZONE;
  return {
    portalId: settings.portalId ?? PORTAL_ID,
    accountType: settings.accountType,
    timeZone,
    companyCurrency: 'USD',
    additionalCurrencies: [] as string[],
    ...utcOffset(timeZone, at),
    uiDomain: 'app.hubspot.com',
    dataHostingLocation: 'na1',
  };
}

export const getAccountDetails: Handler = (_req, s) => ({ status: 200, body: accountDetails(s.account) });

export const ACCOUNT_ROUTES: Route[] = [{ pattern: /^\/account-info\/(?:v3|2026-03)\/details\/?$/, methods: { GET: getAccountDetails } }];
