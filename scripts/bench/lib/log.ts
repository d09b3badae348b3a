/**
 * Progress lines of a benchmark go to stderr with the seconds since start, so stdout keeps only the final JSON line.
 */
export function benchLog(name: string): { log: (line: string) => void; elapsedS: () => number } {
  const t0 = performance.now();
  const elapsedS = (): number => (performance.now() - t0) / 1000;
  return {
    elapsedS,
    log: (line: string): void => {
      process.stderr.write(`[${name} ${elapsedS().toFixed(1).padStart(5)}s] ${line}\n`);
    },
  };
}
