import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { runCli } from '../../src/cli/main.js';

describe('CLI command registry', () => {
  it('names each command with the path and summary of the module it loads', async () => {
    const seen = new Set<string>();
    for (const entry of commands) {
      const words = entry.path.join(' ');
      expect(seen.has(words), `"${words}" is registered twice`).toBe(false);
      seen.add(words);
      const command = await entry.load();
      expect(command.path).toEqual(entry.path);
      expect(command.summary).toBe(entry.summary);
      expect(command.usage.trim().length).toBeGreaterThan(0);
    }
  });

  it('lists every command in "greffier --help" and loads one for its own --help', async () => {
    const io = () => {
      const stdout = new PassThrough();
      let text = '';
      stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      return {
        io: {
          stdout,
          stderr: new PassThrough(),
          stdin: new PassThrough(),
          env: {},
          signal: new AbortController().signal,
        },
        text: () => text,
      };
    };
    const top = io();
    expect(await runCli(['--help'], top.io)).toBe(0);
    for (const entry of commands) expect(top.text()).toContain(entry.summary);
    const help = io();
    expect(await runCli(['transcribe', '--help'], help.io)).toBe(0);
    expect(help.text()).toMatch(/^Usage: greffier transcribe/);
  });
});
