import { readFile } from 'node:fs/promises';
import { parseSeatPlan, type Seat } from './channels.js';

/** A seat plan given inline ("1=Mme Martin,2=M. Durand") or as the path of a file holding one. */
export async function readSeatPlan(planOrFile: string): Promise<Seat[]> {
  if (/^\s*\d+\s*[=:]/.test(planOrFile)) return parseSeatPlan(planOrFile);
  const text = await readFile(planOrFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  // Not a file either: the parser says what a seat plan looks like.
  return parseSeatPlan(text ?? planOrFile);
}
