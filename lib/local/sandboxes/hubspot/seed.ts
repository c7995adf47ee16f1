import type { ContactStore } from './store.js';

export interface DemoContact {
  email: string;
  firstname: string;
  lastname: string;
  [property: string]: string;
}

export const DEMO_CONTACTS: readonly DemoContact[] = [
  { email: 'maria.gonzalez@example.com', firstname: 'Maria', lastname: 'Gonzalez', phone: '+1 512 555 0101', lifecyclestage: 'lead', city: 'Austin', state: 'TX' },
  { email: 'james.okafor@example.com', firstname: 'James', lastname: 'Okafor', phone: '+1 312 555 0144', lifecyclestage: 'customer', company: 'Lakeside Rentals' },
  { email: 'priya.shah@example.org', firstname: 'Priya', lastname: 'Shah', lifecyclestage: 'subscriber', city: 'Seattle', state: 'WA' },
  { email: 'tom.becker@example.net', firstname: 'Tom', lastname: 'Becker', phone: '+1 720 555 0199', lifecyclestage: 'opportunity', hs_lead_status: 'IN_PROGRESS' },
  { email: 'ana.silva@example.com', firstname: 'Ana', lastname: 'Silva', lifecyclestage: 'lead', hs_lead_status: 'NEW', message: 'Interested in the two-bedroom unit.' },
];

export function seedContacts(contacts: ContactStore, now = Date.now()): void {
  DEMO_CONTACTS.forEach((properties, i) => {
    const result = contacts.validate(properties);
    if (!result.ok) throw new Error(`invalid demo contact ${properties.email}: ${result.problems.map((p) => p.message).join('; ')}`);
    contacts.create(result.values, now - (DEMO_CONTACTS.length - i) * 60_000);
  });
}
