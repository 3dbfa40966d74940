export * from './scheduler.js';
export * from './orphan-guard.js';
