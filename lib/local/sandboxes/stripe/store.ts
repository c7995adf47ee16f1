/**
 * Customers and Stripe's metadata rules (https://docs.stripe.com/api/metadata): an update merges
 * into the existing hash, an empty value unsets a key, and the result may hold at most 50 keys of
 * at most 40 characters with values of at most 500 characters. A refused update changes nothing.
 * Lengths count characters (code points), as Stripe's Ruby API does.
 *
 * This is written apart from the connector's own check (functions/connectors/stripe/metadata.ts)
 * on purpose: the integration tests hold one against the other.
 */
import { randomBytes } from 'node:crypto';
import { invalidRequest, noSuchCustomer } from './errors.js';
import type { CustomerParams } from './form.js';
import type { CustomerSnapshot } from './types.js';

export const MAX_METADATA_KEYS = 50;
export const MAX_KEY_LENGTH = 40;
export const MAX_VALUE_LENGTH = 500;

const WRITABLE = ['email', 'name', 'phone', 'description'] as const;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const length = (text: string) => [...text].length;

export function newCustomerId(): string {
  return `cus_${[...randomBytes(14)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('')}`;
}

export class CustomerStore {
  private readonly customers = new Map<string, CustomerSnapshot>();

  constructor(private readonly now: () => number) {}

  get(id: string): CustomerSnapshot {
    const customer = this.customers.get(id);
    if (!customer) throw noSuchCustomer(id);
    return customer;
  }

  create(params: CustomerParams, id: string = newCustomerId()): CustomerSnapshot {
    checkFields(params);
    const customer: CustomerSnapshot = {
      id,
      email: null,
      name: null,
      phone: null,
      description: null,
      metadata: {},
      created: Math.floor(this.now() / 1000),
    };
    this.apply(customer, params);
    this.customers.set(id, customer);
    return customer;
  }

  /** Checks every parameter before it changes anything: a refused update leaves the customer as it was. */
  update(id: string, params: CustomerParams): CustomerSnapshot {
    checkFields(params);
    const customer = this.get(id);
    this.apply(customer, params);
    return customer;
  }

  snapshot(): CustomerSnapshot[] {
    return [...this.customers.values()].map((c) => ({ ...c, metadata: { ...c.metadata } }));
  }

  clear(): void {
    this.customers.clear();
  }

  private apply(customer: CustomerSnapshot, params: CustomerParams): void {
    const metadata = mergedMetadata(params.clearMetadata ? {} : customer.metadata, params.metadata);
    for (const field of WRITABLE) {
      const value = params.fields.get(field);
      if (value !== undefined) customer[field] = value === '' ? null : value;
    }
    customer.metadata = metadata;
  }
}

function checkFields(params: CustomerParams): void {
  for (const name of params.fields.keys()) {
    if (!(WRITABLE as readonly string[]).includes(name)) throw invalidRequest(`Received unknown parameter: ${name}`, name, 'parameter_unknown');
  }
}

/** The hash after the update, or a Stripe-shaped 400 naming the offending parameter. */
function mergedMetadata(current: Readonly<Record<string, string>>, changes: ReadonlyMap<string, string>): Record<string, string> {
  const next: Record<string, string> = { ...current };
  for (const [key, value] of changes) {
    const param = `metadata[${key}]`;
    if (key === '') throw invalidRequest('Invalid metadata: metadata keys must not be empty.', param);
    if (length(key) > MAX_KEY_LENGTH) {
      throw invalidRequest(`Invalid metadata: the key '${key}' has ${length(key)} characters; keys can have at most ${MAX_KEY_LENGTH}.`, param);
    }
    if (length(value) > MAX_VALUE_LENGTH) {
      throw invalidRequest(`Invalid metadata: the value of '${key}' has ${length(value)} characters; values can have at most ${MAX_VALUE_LENGTH}.`, param);
    }
    if (value === '') delete next[key];
    else next[key] = value;
  }
  const count = Object.keys(next).length;
  if (count > MAX_METADATA_KEYS) {
    throw invalidRequest(`Metadata can have up to ${MAX_METADATA_KEYS} keys, but you've set ${count}.`, 'metadata');
  }
  return next;
}

/** The customer as the API returns it (https://docs.stripe.com/api/customers/object). */
export function customerObject(c: CustomerSnapshot): Record<string, unknown> {
  return {
    id: c.id,
    object: 'customer',
    address: null,
    balance: 0,
    created: c.created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: c.description,
    discount: null,
    email: c.email,
    invoice_prefix: c.id.slice(4, 12).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: { ...c.metadata },
    name: c.name,
    next_invoice_sequence: 1,
    phone: c.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}
