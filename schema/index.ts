export * from './RegionState.js';
