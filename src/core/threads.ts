import { availableParallelism } from 'node:os';

/**
 * CPU threads for whisper.cpp and llama.cpp when the user gives none: all
 * cores up to 4 (the reference office PC), or GREFFIER_THREADS. llama.cpp's
 * thread pool spins while it waits, so two engines each asking for every
 * core on a busy machine slow down by orders of magnitude (measured: 1–2 ms
 * per token on one thread against 175–335 ms on two, on a loaded 2-core
 * machine); tests set GREFFIER_THREADS=1 because they run two files at once.
 */
export function defaultThreads(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.GREFFIER_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return Math.max(1, Math.min(availableParallelism(), 4));
}
