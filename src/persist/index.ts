/** The persistence boundary for rooms: load through WorldStore, write through Persister. */
export { WorldStore, chunkRowKey } from './store.js';
export type { CharacterSnapshot, ChunkSnapshot, WorldInfo, SaveBatch, SaveResult, RejectedSnapshot } from './store.js';
export { Persister, nodeTimers } from './persister.js';
export type { BatchWriter, FlushResult, PersisterOptions, PersisterStats, Timers } from './persister.js';
