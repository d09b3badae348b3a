/**
 * Storecast scene model: source kinds, sources, scenes, scene items, transitions (after libobs), their computed
 * geometry, undoable edits and versioned files. Pure data + pure functions; runs in every runtime.
 */
export * from './defaults';
export * from './edits';
export * from './errors';
export * from './frame';
export * from './history';
export * from './kinds';
export * from './migrations';
export * from './model';
export * from './primitives';
export * from './transform';
