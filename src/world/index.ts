// Public surface of the shared world module (pure: runs in Node and browsers).
export * from './coords.js';
export * from './blocks.js';
export * from './noise.js';
export * from './terrain.js';
export * from './voxels.js';
