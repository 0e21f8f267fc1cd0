/** One region's simulation and what its tick reports. */
export { RegionSim, MAX_QUEUED_COMMANDS, INVENTORY_SLOTS, LEYLINE_UPDATE_MS, type RegionSimOptions } from './sim.js';
export { EMPTY_CATALOGUE, type MagicCatalogue, type NeighbourCharacter, type RegionContext } from './context.js';
export { emptyEvents, type TickEvents, type BlockChange, type CastLog } from './events.js';
export { NPCS_PER_REGION } from './npcs.js';
export type { Command, Reply, NearEntity } from '../commands/index.js';
export type { AwayKill } from './effects.js';
export { HANDOFF_MARGIN_BLOCKS, handoffTarget } from './borders.js';
export { crowdMoves, CROWD_EVERY_TICKS, CROWD_SETTLE_MS, CROWD_RADIUS_BLOCKS, CROWD_STEP, crowdRank, CROWD_MOVES_PER_CHECK, type Body, type OtherBody, type CrowdMove } from './crowd.js';
