/**
 * Reads a source kind's zod settings schema into form fields (the properties panel is generated from it).
 * Only the shapes the kinds use are recognised; anything else falls back to a JSON field validated by the edit.
 */
import type { z } from 'zod';

export type FieldKind = 'boolean' | 'number' | 'string' | 'color' | 'enum' | 'json';

export interface FieldSpec {
  key: string;
  kind: FieldKind;
  nullable: boolean;
  options: string[];
  min?: number;
  max?: number;
  step?: number;
  maxLength?: number;
}

interface ZodLike {
  _zod: {
    def: {
      type: string;
      innerType?: ZodLike;
      entries?: Record<string, string>;
      checks?: { _zod: { def: { check: string; value?: number; pattern?: RegExp; maximum?: number } } }[];
      shape?: Record<string, ZodLike>;
    };
  };
  shape?: Record<string, ZodLike>;
}

export function fieldsOf(schema: z.ZodType): FieldSpec[] {
  const shape = (schema as unknown as ZodLike).shape ?? {};
  return Object.entries(shape).map(([key, raw]) => {
    let t = raw;
    let nullable = false;
    while (['default', 'nullable', 'optional'].includes(t._zod.def.type) && t._zod.def.innerType) {
      if (t._zod.def.type === 'nullable') nullable = true;
      t = t._zod.def.innerType;
    }
    const def = t._zod.def;
    const spec: FieldSpec = { key, kind: 'json', nullable, options: [] };
    if (def.type === 'boolean') spec.kind = 'boolean';
    else if (def.type === 'enum') {
      spec.kind = 'enum';
      spec.options = Object.keys(def.entries ?? {});
    } else if (def.type === 'number') {
      spec.kind = 'number';
      for (const c of def.checks ?? []) {
        const d = c._zod.def;
        if (d.check === 'greater_than' && d.value !== undefined) spec.min = d.value;
        if (d.check === 'less_than' && d.value !== undefined) spec.max = d.value;
        if (d.check === 'multiple_of' && d.value !== undefined) spec.step = d.value;
        if (d.check === 'number_format') spec.step ??= 1;
      }
    } else if (def.type === 'string') {
      const color = (def.checks ?? []).some((c) => c._zod.def.pattern?.source.includes('#'));
      spec.kind = color ? 'color' : 'string';
      for (const c of def.checks ?? []) if (c._zod.def.check === 'max_length') spec.maxLength = c._zod.def.maximum;
    }
    return spec;
  });
}

/** `#rrggbb[aa]` → `#rrggbb` for <input type=color> (alpha is kept by the caller). */
export function colorRgb(c: string): string {
  return c.length >= 7 ? c.slice(0, 7) : '#000000';
}

export function colorWithAlpha(rgb: string, previous: string | null): string {
  return previous && previous.length === 9 ? `${rgb}${previous.slice(7)}` : rgb;
}
