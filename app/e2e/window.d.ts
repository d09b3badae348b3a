// The pages' read-only test handles as seen from Node-side drivers (tests, benches). The pages declare their precise
// types; drivers only read state snapshots and cast what they need.
interface StorecastTestHandle {
  store: { getState(): unknown; subscribe(listener: (s: unknown) => void): () => void };
  [key: string]: unknown;
}
interface Window {
  __storecast?: StorecastTestHandle;
}
interface Window {
  /** The compositor test / bench page (app/e2e/compositor-page.ts). */
  __compositor: import('./compositor-page').CompositorHarness;
}
