import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { World } from './World.js';

/**
 * A chunk's edits against the generated terrain (clients regenerate base terrain
 * from the world seed). `data` is a JSON object `{ localIndex: blockId }` with
 * `localIndex = (ly*16 + lz)*16 + lx`; only chunks with edits have a row.
 */
export const WorldChunk = defineEntity({
  name: 'WorldChunk',
  tableName: 'world_chunks',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    world: () => p.manyToOne(World).deleteRule('cascade'),
    chunkX: p.integer(),
    chunkY: p.integer(),
    chunkZ: p.integer(),
    /**
     * The wire `ChunkState.version`, bumped by the owning room on every edit. Not a
     * MikroORM optimistic lock: the room is the only writer and owns the counter.
     */
    version: p.integer().default(0),
    data: p.json<Record<string, number>>().default('{}'),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  uniques: [{ name: 'world_chunks_world_id_chunk_unique', properties: ['world', 'chunkX', 'chunkY', 'chunkZ'] }],
  indexes: [{ name: 'world_chunks_data_gin', properties: ['data'], type: 'gin' }],
});
export type IWorldChunk = InferEntity<typeof WorldChunk>;
