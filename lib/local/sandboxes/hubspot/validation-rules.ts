/**
 * A portal's own validation rules for CRM writes: a property an admin made required, or a value
 * pattern a property must follow. From API version 2026-09 HubSpot enforces them on every API
 * create and update, not only in its UI
 * (https://developers.hubspot.com/changelog/crm-api-write-validation-enforcement), so the sandbox
 * checks them on writes through the dated paths only (versions.ts); the legacy v3 paths ignore
 * them, as HubSpot's did.
 *
 * A broken rule is a property problem like an invalid value (errors.ts PropertyProblem): a single
 * write answers 400, a batch write fails that input the way the route fails an invalid value
 * (a per-input error naming it, or the whole batch for an object batch create without
 * objectWriteTraceIds). The rules are set through the control API (`/__sandbox/validation-rules`)
 * or the handle (`addValidationRule`).
 */
import { z } from 'zod';
import type { PropertyProblem } from './errors.js';
import type { ObjectTypes } from './object-types.js';
import type { RawProperties } from './store.js';

export type ValidationRuleKind = 'required' | 'regex';

export interface ValidationRule {
  /** The object type as a path names it: `contacts`, `deals`, `0-420` (or `listings`), a custom type's objectTypeId or fully qualified name. */
  objectType: string;
  property: string;
  /** 'required': a create must set a value and an update may not clear it; 'regex': a value written must match `pattern`. */
  rule: ValidationRuleKind;
  /** 'regex' only: a RegExp source, tested against the whole value as written. */
  pattern?: string;
  /** The portal's own message for a broken rule; HubSpot's wording otherwise. */
  message?: string;
}

export const ValidationRuleInput = z
  .strictObject({
    objectType: z.string().min(1),
    property: z.string().min(1),
    rule: z.enum(['required', 'regex']),
    pattern: z.string().min(1).optional(),
    message: z.string().min(1).optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.rule === 'regex' && rule.pattern === undefined) ctx.addIssue({ code: 'custom', path: ['pattern'], message: "a 'regex' rule needs a pattern" });
    if (rule.pattern === undefined) return;
    try {
      new RegExp(rule.pattern);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: `pattern is not a RegExp: ${(error as Error).message}` });
    }
  });

/** What the write handlers ask: the problems one write has under the rules of its object type. */
export interface PortalRules {
  /** `objectKey` as ObjectBinding.key names it (`contacts` for contacts); `creating` for a create, or an upsert that makes a record. */
  problems(objectKey: string, input: RawProperties, creating: boolean): PropertyProblem[];
}

/** The rules of a legacy (v3) path: none apply. */
export const NO_PORTAL_RULES: PortalRules = { problems: () => [] };

interface ActiveRule {
  rule: ValidationRule;
  key: string;
  pattern?: RegExp;
}

const valueOf = (raw: RawProperties[string] | undefined): string | undefined => (raw === undefined ? undefined : raw === null ? '' : String(raw));

export class ValidationRules implements PortalRules {
  private active: ActiveRule[] = [];

  constructor(private readonly objectTypes: ObjectTypes) {}

  /** Adds a rule, replacing one of the same kind on the same property (as HubSpot keeps one rule per rule type). */
  add(input: ValidationRule): ValidationRule[] {
    const rule = ValidationRuleInput.parse(input);
    const key = this.objectTypes.handleKey(rule.objectType);
    this.active = this.active.filter((a) => !(a.key === key && a.rule.property === rule.property && a.rule.rule === rule.rule));
    this.active.push({ rule, key, ...(rule.pattern !== undefined ? { pattern: new RegExp(`^(?:${rule.pattern})$`) } : {}) });
    return this.list();
  }

  list(): ValidationRule[] {
    return this.active.map((a) => ({ ...a.rule }));
  }

  clear(): void {
    this.active = [];
  }

  problems(objectKey: string, input: RawProperties, creating: boolean): PropertyProblem[] {
    const problems: PropertyProblem[] = [];
    for (const { rule, key, pattern } of this.active) {
      if (key !== objectKey) continue;
      const value = valueOf(input[rule.property]);
      if (rule.rule === 'required') {
        const missing = creating ? !value?.trim() : value !== undefined && value.trim() === '';
        if (missing) {
          problems.push({ name: rule.property, error: 'REQUIRED_PROPERTY_MISSING', message: rule.message ?? `Property "${rule.property}" is required by this portal's validation rules.` });
        }
      } else if (pattern && value !== undefined && value !== '' && !pattern.test(value)) {
        problems.push({
          name: rule.property,
          error: 'INVALID_PROPERTY_VALUE',
          message: rule.message ?? `Property "${rule.property}" value "${value}" does not follow this portal's validation rule (${rule.pattern}).`,
        });
      }
    }
    return problems;
  }
}
