/**
 * BENCHMARK ONLY: the wire state of the naive baseline room
 * (loadtest/baseline.ts). Derived from the real schema (schema/RegionState.ts)
 * field by field, same names, order and types, with every `@view` filter
 * dropped: the encoder has no filters, one patch is encoded per tick and every
 * client gets every character (owner-only fields included) and every chunk
 * edit of the region. No field list is written here, so it cannot drift.
 */
import { schema, t, type FieldBuilder, type Schema } from '@colyseus/schema';
import { CharacterState, RegionState } from '../schema/index.js';

type Field = { name: string; type: unknown };
type SchemaClass = typeof Schema;

const fieldsOf = (klass: SchemaClass): Field[] =>
  Object.values((klass as unknown as { [Symbol.metadata]: Record<string, unknown> })[Symbol.metadata]).filter(
    (f): f is Field => typeof f === 'object' && f !== null && 'name' in f && 'type' in f,
  );

/** A copy of `klass` without view tags; child schema classes swapped per `swap` (others shared: they have no filters). */
function unfiltered(klass: SchemaClass, swap: Map<unknown, SchemaClass>): SchemaClass {
  const defaults = new (klass as unknown as new () => Record<string, unknown>)();
  const child = (c: unknown) => (swap.get(c) ?? c) as SchemaClass;
  const fields: Record<string, FieldBuilder<unknown, boolean, boolean>> = {};
  for (const f of fieldsOf(klass)) {
    const type = f.type as string | { map?: unknown; array?: unknown };
    if (typeof type === 'string') {
      const primitive = (t as unknown as Record<string, () => FieldBuilder<unknown>>)[type];
      if (!primitive) throw new Error(`baseline-state: no builder for ${klass.name}.${f.name}: ${type}`);
      fields[f.name] = primitive().default(defaults[f.name]);
    } else if (type.map !== undefined) fields[f.name] = t.map(child(type.map) as never) as never;
    else if (type.array !== undefined) fields[f.name] = t.array(child(type.array) as never) as never;
    else throw new Error(`baseline-state: unsupported field ${klass.name}.${f.name}`);
  }
  return schema(fields as never, `Baseline${klass.name}`) as unknown as SchemaClass;
}

export const BaselineCharacterState = unfiltered(CharacterState, new Map());
export const BaselineState = unfiltered(RegionState, new Map([[CharacterState, BaselineCharacterState]]));
