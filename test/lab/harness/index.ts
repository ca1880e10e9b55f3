// One import for lab tests: `import { createLab, startBird, … } from './harness/index.js'`.
export * from './lab.js';
export * from './spec.js';
export * from './wait.js';
export * from './bird.js';
export * from './frr.js';
export * from './gobgp.js';
export * from './ternd.js';
export * from './topology.js';
export * from './workers.js';
export * from './capture.js';
export * from './link-local.js';
