import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderCycles, folderGraph } from '../helpers/import-graph.js';
import { tempDir } from '../helpers/vault.js';

describe('the folders of src/core', () => {
  it('import each other without a cycle', () => {
    expect(folderCycles(resolve('src/core'))).toEqual([]);
  });

  it('keep search apart from the model host and the pipeline apart from the doors', () => {
    const graph = folderGraph(resolve('src/core'));
    expect([...(graph.get('search')?.keys() ?? [])]).not.toContain('llm');
    expect([...(graph.get('llm')?.keys() ?? [])]).not.toContain('search');
    for (const folder of graph.keys()) {
      if (folder === 'app') continue;
      expect([...(graph.get(folder)?.keys() ?? [])], `${folder} imports app`).not.toContain('app');
    }
  });

  describe('the cycle check', () => {
    const dir = tempDir('greffier-graph-');
    afterAll(() => dir.remove());

    it('finds a cycle through a type-only import and names the files', () => {
      mkdirSync(join(dir.path, 'a'));
      mkdirSync(join(dir.path, 'b'));
      writeFileSync(
        join(dir.path, 'a', 'x.ts'),
        "import { y } from '../b/y.js';\nexport const x = y;\n",
      );
      writeFileSync(
        join(dir.path, 'b', 'y.ts'),
        "import type { X } from '../a/x.js';\nexport const y = 1 as unknown as X;\n",
      );
      const cycles = folderCycles(dir.path);
      expect(cycles).toHaveLength(1);
      expect(cycles[0]).toMatch(/a → b → a|b → a → b/);
      expect(cycles[0]).toContain('x.ts');
    });
  });
});
