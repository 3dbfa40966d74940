import {
  chmodSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenVault } from '../../src/core/meetings/index.js';
import { copyModelIntoFolder } from '../../src/core/models/copy.js';
import { addModelFile } from '../../src/core/models/import.js';
import { resolveModel } from '../../src/core/models/resolver.js';
import { sha256File } from '../../src/core/models/verify.js';
import { testModels } from '../helpers/models.js';
import { createTestVault } from '../helpers/vault.js';

// "models add" keeps its own copy in an app-owned folder: 0700, files 0600,
// created exclusively, never through a symbolic link.
const root = mkdtempSync(join(tmpdir(), 'greffier-copy-'));
const drop = join(root, 'drop');
const modelsDir = join(root, 'home', 'models');
let open: OpenVault;
let llm: string;

const mode = (path: string) => lstatSync(path).mode & 0o777;

beforeAll(async () => {
  mkdirSync(drop);
  llm = join(drop, 'chat.gguf');
  copyFileSync((await testModels()).llm, llm);
  open = await createTestVault(join(root, 'vault'));
});
afterAll(async () => {
  await open?.vault.lock();
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(process.platform === 'win32')('the models folder', () => {
  it('holds a 0600 copy in a 0700 folder, hashed while copied, and says where', async () => {
    const added = await addModelFile(open.vault, llm, 'llm', { modelsDir, trustUnlisted: true });
    expect(added.path).toBe(join(modelsDir, 'chat.gguf'));
    expect(added.source).toBe(llm);
    expect(mode(modelsDir)).toBe(0o700);
    expect(mode(added.path)).toBe(0o600);
    expect(added.sha256).toBe(await sha256File(llm));
    expect(readFileSync(added.path).equals(readFileSync(llm))).toBe(true);
    // No temporary file is left behind.
    expect(readdirSync(modelsDir)).toEqual(['chat.gguf']);
    // The original can go: the vault loads its own copy.
    rmSync(llm);
    expect(await resolveModel(open.vault, 'llm')).toBe(added.path);
    copyFileSync(added.path, llm);
  });

  it('closes a models folder that was left open to others', async () => {
    chmodSync(modelsDir, 0o755);
    await copyModelIntoFolder(llm, modelsDir);
    expect(mode(modelsDir)).toBe(0o700);
  });

  it('resolves a symbolic link given as the source before copying', async () => {
    const real = join(drop, 'real-model.gguf');
    copyFileSync(llm, real);
    const link = join(drop, 'link.gguf');
    symlinkSync(real, link);
    const added = await addModelFile(open.vault, link, 'llm', { modelsDir, trustUnlisted: true });
    expect(added.source).toBe(real);
    expect(added.path).toBe(join(modelsDir, 'real-model.gguf'));
    expect(lstatSync(added.path).isFile()).toBe(true);
    // Pointing the link elsewhere afterwards changes nothing for the vault.
    rmSync(link);
    writeFileSync(join(drop, 'other.gguf'), 'GGUF other bytes');
    symlinkSync(join(drop, 'other.gguf'), link);
    expect(await resolveModel(open.vault, 'llm')).toBe(added.path);
  });

  it('never writes through a link planted at the copy name', async () => {
    const victim = join(root, 'victim.txt');
    writeFileSync(victim, 'precious');
    const source = join(drop, 'planted.gguf');
    copyFileSync(llm, source);
    symlinkSync(victim, join(modelsDir, 'planted.gguf'));
    const copy = await copyModelIntoFolder(source, modelsDir);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(copy.path).toMatch(/planted-[0-9a-f]{12}\.gguf$/);
    expect(lstatSync(copy.path).isFile()).toBe(true);
  });

  it('refuses an installed copy swapped for a link to the same bytes', async () => {
    const added = await addModelFile(open.vault, llm, 'llm', { modelsDir, trustUnlisted: true });
    const twin = join(root, 'twin.gguf');
    copyFileSync(added.path, twin);
    rmSync(added.path);
    symlinkSync(twin, added.path);
    expect(statSync(added.path).size).toBe(added.size);
    await expect(resolveModel(open.vault, 'llm')).rejects.toThrow(
      `the model ${added.path} was replaced by a symbolic link; it will not be loaded`,
    );
    rmSync(added.path);
    copyFileSync(twin, added.path);
  });

  it('refuses a models folder that is a link', async () => {
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    const linked = join(root, 'linked-models');
    symlinkSync(elsewhere, linked);
    await expect(copyModelIntoFolder(llm, linked)).rejects.toThrow(
      /the models folder .*linked-models is not a folder \(a link or a file\)/,
    );
  });
});
