/**
 * Repeating maintenance jobs through BullMQ job schedulers
 * (`upsertJobScheduler`, on both backends). Upserting is idempotent, so every
 * server process may call this at boot; each schedule still runs once per
 * interval across the cluster.
 */
import type { JobQueue } from './queue.js';
import type { MaintenanceTask } from './types.js';

export const MAINTENANCE_SCHEDULES: readonly { id: string; task: MaintenanceTask; everyMs: number }[] = [
  { id: 'maintenance-refresh-spell-analytics', task: 'refresh_spell_analytics', everyMs: 60_000 },
  { id: 'maintenance-ensure-partitions', task: 'ensure_partitions', everyMs: 6 * 60 * 60 * 1000 },
  { id: 'maintenance-prune-auth', task: 'prune_auth', everyMs: 60 * 60 * 1000 },
  { id: 'maintenance-prune-loot-grants', task: 'prune_loot_grants', everyMs: 24 * 60 * 60 * 1000 },
];

export async function scheduleMaintenance(
  queue: JobQueue,
  everyMs: Partial<Record<MaintenanceTask, number>> = {},
): Promise<void> {
  for (const s of MAINTENANCE_SCHEDULES) {
    await queue.upsertSchedule('maintenance', s.id, { everyMs: everyMs[s.task] ?? s.everyMs }, { task: s.task });
  }
}
