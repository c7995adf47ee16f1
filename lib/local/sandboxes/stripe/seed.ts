import { demoLandlords } from '../turbotenant/seed.js';
import type { CustomerStore } from './store.js';

export interface DemoStripeCustomer {
  id: string;
  /** The TurboTenant landlord whose `stripe_customer_id` this is. */
  landlordId: string;
  email: string;
  name: string;
  phone: string;
  metadata: Record<string, string>;
}

/**
 * A customer for every TurboTenant demo landlord that has a `stripe_customer_id`, read from the
 * TurboTenant sandbox's seed so the two cannot drift apart: `npm start` shows the metadata sync
 * end to end. Each starts with one key of its own, which a sync must keep (metadata merges).
 */
export const DEMO_STRIPE_CUSTOMERS: readonly DemoStripeCustomer[] = demoLandlords().flatMap((landlord) =>
  landlord.stripe_customer_id
    ? [
        {
          id: landlord.stripe_customer_id,
          landlordId: landlord.id,
          email: landlord.email,
          name: `${landlord.first_name} ${landlord.last_name}`,
          phone: landlord.phone,
          metadata: { billing_plan: 'landlord_pro' },
        },
      ]
    : [],
);

/** Landlord id → Stripe customer id. */
export const DEMO_STRIPE_CUSTOMER_IDS: Readonly<Record<string, string>> = Object.fromEntries(DEMO_STRIPE_CUSTOMERS.map((c) => [c.landlordId, c.id]));

export function seedCustomers(store: CustomerStore): void {
  for (const c of DEMO_STRIPE_CUSTOMERS) {
    store.create(
      {
        fields: new Map([
          ['email', c.email],
          ['name', c.name],
          ['phone', c.phone],
        ]),
        metadata: new Map(Object.entries(c.metadata)),
        clearMetadata: false,
        pairs: [],
      },
      c.id,
    );
  }
}
