/** The processors every worker role runs, built from what the process has at hand. */
import type { Processors } from '../types.js';
import { createMaintenanceProcessor, type MaintenanceDeps } from './maintenance.js';
import { createNarrationProcessor, type NarrationDeps } from './narration.js';
import { ritualProcessor } from './ritual.js';

export { computeRitual, ritualProcessor } from './ritual.js';
export { createMaintenanceProcessor, type MaintenanceDeps } from './maintenance.js';
export { createNarrationProcessor, type NarrationDeps } from './narration.js';

export type ProcessorDeps = {
  /** Without a database handle the maintenance queue is not worked by this process. */
  maintenance?: MaintenanceDeps;
  /** Without a game master the narration queue is not worked by this process. */
  narration?: NarrationDeps;
};

export function createProcessors(deps: ProcessorDeps = {}): Processors {
  const processors: Processors = { rituals: ritualProcessor };
  if (deps.maintenance) processors.maintenance = createMaintenanceProcessor(deps.maintenance);
  if (deps.narration) processors.narration = createNarrationProcessor(deps.narration);
  // agents join here with the agents work.
  return processors;
}
