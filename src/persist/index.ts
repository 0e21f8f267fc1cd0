/** The persistence boundary for rooms: load through WorldStore, write through RegionWriter. */
export { WorldStore, chunkRowKey } from './store.js';
export type {
  CharacterSnapshot, ChunkSnapshot, WorldInfo, SaveBatch, SaveResult, RejectedSnapshot,
  MagicEventRow, WorldEventRow, LootDrop, InventoryRow, PlaceLoot, GrantResult,
} from './store.js';
export { RegionWriter, EVENT_INTERVAL_MS } from './writer.js';
export type { RegionWriterOptions, WriterStore, WriterStats, LootGrantResult, LootStats } from './writer.js';
export { Persister } from './persister.js';
export type { BatchWriter, FlushResult, PersisterOptions, PersisterStats } from './persister.js';
export { AppendLog } from './append-log.js';
export type { AppendLogOptions, AppendLogStats } from './append-log.js';
export { DEFAULT_RETRY_POLICY, RejectedWrite, WriteFailed, backoffMs, classifyFailure, isolatePoison, withRetries } from './retry.js';
export type { Failure, FailureKind, RetryPolicy, WriteKind, WriterMetrics } from './retry.js';
export { cleanJson, cleanText } from './sanitize.js';
export { nodeTimers } from './timers.js';
export type { Timers } from './timers.js';
