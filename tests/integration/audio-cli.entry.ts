// Spawned by the long-audio tests and the bench: `node --import tsx audio-cli.entry.ts <greffier args…>`
// runs the real CLI from source, then reports its own peak memory (maxRSS, in KB)
// on the last line of stderr, so the parent measures the converting process alone.
import { main } from '../../src/cli/main.js';

await main();
process.stderr.write(`maxRSS ${process.resourceUsage().maxRSS}\n`);
