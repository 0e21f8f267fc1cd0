/** The processors every worker role runs, built from what the process has at hand. */
import type { Processors } from '../types.js';
import { createMaintenanceProcessor, type MaintenanceDeps } from './maintenance.js';
import { ritualProcessor } from './ritual.js';

export { computeRitual, ritualProcessor } from './ritual.js';
export { createMaintenanceProcessor, type MaintenanceDeps } from './maintenance.js';

export type ProcessorDeps = {
  /** Without a database handle the maintenance queue is not worked by this process. */
  maintenance?: MaintenanceDeps;
};

export function createProcessors(deps: ProcessorDeps = {}): Processors {
  const processors: Processors = { rituals: ritualProcessor };
  if (deps.maintenance) processors.maintenance = createMaintenanceProcessor(deps.maintenance);
  // narration and agents join here with the ai/ and agents work.
  return processors;
}
