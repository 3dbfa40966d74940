// npm run bench [name…]: runs every bench/*.bench.ts (or those named) one after
// another, so they never compete for the two cores, and prints one table each.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatSection, type Bench, type BenchSection } from './report.js';

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(basename(f, '.bench.ts')))
  .sort();

const sections: BenchSection[] = [];
for (const file of files) {
  const bench = (await import(pathToFileURL(join(dir, file)).href)).default as Bench;
  process.stderr.write(`bench: running ${file}…\n`);
  const section = await bench();
  sections.push(section);
  console.log(`${formatSection(section)}\n`);
}
mkdirSync(join(dir, 'out'), { recursive: true });
writeFileSync(join(dir, 'out', 'results.json'), JSON.stringify(sections, null, 2));
