#!/usr/bin/env node
// Fills models/ from the model catalogue on a CONNECTED build machine (never
// on a user's PC: the app itself downloads nothing). Downloads resume with
// HTTP Range requests after an interruption, and every file is checked
// against the catalogue's size and SHA-256 before it takes its final name.
// Usage: npm run models:fetch -- [--only id,id] [--kind asr|vad|llm|embedding]
//        [--dir models] [--catalogue resources/models-catalogue.json] [--trust-unlisted]
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/* global fetch */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KINDS = ['asr', 'vad', 'llm', 'embedding', 'segmentation', 'voiceprint', 'speech'];
const USAGE = `Usage: npm run models:fetch -- [options]

Downloads the catalogue's models into models/ (resumable, SHA-256 checked).
Run it on a connected build machine; IT then bundles models/ into the
installer or copies it to removable media.

Options:
  --only ID[,ID]      only these catalogue ids
  --kind K            only this kind (asr, vad, llm, embedding, segmentation, voiceprint, speech)
  --dir DIR           where to put the files (default: models/)
  --catalogue FILE    catalogue to read (default: resources/models-catalogue.json)
  --trust-unlisted    also fetch entries whose checksum is not confirmed, and print
                      the SHA-256 obtained so it can be checked and recorded
  --help              this text`;

class UsageError extends Error {}

function options(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        only: { type: 'string' },
        kind: { type: 'string' },
        dir: { type: 'string' },
        catalogue: { type: 'string' },
        'trust-unlisted': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error.message.split('\n')[0]);
  }
  const v = parsed.values;
  if (v.kind !== undefined && !KINDS.includes(v.kind)) {
    throw new UsageError(`--kind takes ${KINDS.join(', ')}, not "${v.kind}"`);
  }
  return {
    help: v.help ?? false,
    only: v.only
      ? v.only
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined,
    kind: v.kind,
    dir: resolve(v.dir ?? join(root, 'models')),
    catalogue: resolve(v.catalogue ?? join(root, 'resources', 'models-catalogue.json')),
    trustUnlisted: v['trust-unlisted'] ?? false,
  };
}

function readCatalogue(path) {
  let json;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`the catalogue ${path} cannot be read: ${error.message}`, { cause: error });
  }
  if (!json || !Array.isArray(json.models))
    throw new Error(`the catalogue ${path} has no "models" list`);
  return json.models;
}

async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk);
  return hash.digest('hex');
}

function sizeOf(path) {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * A Piper voice (kind speech) is published with its configuration beside it
 * (\`x.onnx.json\`, from the same pinned revision): Greffier reads the voice's
 * phonemes and sample rate from it, so it travels with the model.
 */
async function fetchVoiceConfig(entry, dest, log) {
  const target = `${dest}.json`;
  if (existsSync(target)) return;
  const url = `${entry.source}.json`;
  let response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (error) {
    throw new Error(`cannot reach ${url} (${error.cause?.code ?? error.message}); run again`, {
      cause: error,
    });
  }
  if (response.status !== 200) throw new Error(`${url} answered HTTP ${response.status}`);
  const text = await response.text();
  try {
    if (typeof JSON.parse(text).phoneme_id_map !== 'object') throw new Error('no phoneme_id_map');
  } catch (error) {
    throw new Error(`${url} is not a Piper voice configuration (${error.message})`, {
      cause: error,
    });
  }
  const part = `${target}.part`;
  const fd = openSync(part, 'w');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  renameSync(part, target);
  log(`ok   ${entry.id}: ${target} (its Piper configuration)`);
}

/** Bytes present and checksum right: nothing to do. */
async function alreadyThere(entry, dest) {
  if (!existsSync(dest)) return false;
  if (entry.sizeBytes != null && sizeOf(dest) !== entry.sizeBytes) return false;
  return entry.sha256Confirmed ? (await sha256File(dest)) === entry.sha256 : false;
}

/**
 * Downloads into DEST.part, continuing from its current length with a Range
 * request; a server that ignores Range (200) makes it start over.
 */
async function download(entry, dest, log) {
  const part = `${dest}.part`;
  let offset = sizeOf(part);
  if (entry.sizeBytes != null && offset > entry.sizeBytes) {
    rmSync(part, { force: true });
    offset = 0;
  }
  if (entry.sizeBytes == null || offset < entry.sizeBytes) {
    const headers = offset > 0 ? { Range: `bytes=${offset}-` } : {};
    let response;
    try {
      response = await fetch(entry.source, { headers, redirect: 'follow' });
    } catch (error) {
      throw new Error(
        `cannot reach ${entry.source} (${error.cause?.code ?? error.message}); run again to resume`,
        { cause: error },
      );
    }
    if (response.status === 416 && offset > 0) {
      log(`  ${entry.fileName}: server says the partial file is complete; checking it`);
    } else if (response.status === 206 || response.status === 200) {
      if (response.status === 200 && offset > 0) {
        log(`  ${entry.fileName}: the server does not resume; starting again from 0`);
        offset = 0;
      } else if (offset > 0) {
        log(`  ${entry.fileName}: resuming at byte ${offset}`);
      }
      // Written synchronously chunk by chunk: whatever arrived before a
      // dropped connection is on disk, so the next run resumes from there.
      const fd = openSync(part, offset > 0 ? 'a' : 'w');
      try {
        for await (const chunk of response.body) writeSync(fd, chunk);
      } catch (error) {
        throw new Error(
          `the download of ${entry.fileName} stopped at byte ${sizeOf(part)} (${error.cause?.code ?? error.code ?? error.message}); run again to resume`,
          { cause: error },
        );
      } finally {
        closeSync(fd);
      }
    } else {
      throw new Error(`${entry.source} answered HTTP ${response.status}`);
    }
  }
  const size = sizeOf(part);
  if (entry.sizeBytes != null && size !== entry.sizeBytes) {
    if (size < entry.sizeBytes) {
      throw new Error(
        `the download of ${entry.fileName} stopped at byte ${size} of ${entry.sizeBytes}; run again to resume`,
      );
    }
    rmSync(part, { force: true });
    throw new Error(
      `${entry.fileName} is ${size} bytes, the catalogue says ${entry.sizeBytes}: deleted`,
    );
  }
  const sha256 = await sha256File(part);
  if (entry.sha256Confirmed && sha256 !== entry.sha256) {
    rmSync(part, { force: true });
    throw new Error(
      `${entry.fileName} has SHA-256 ${sha256}, the catalogue says ${entry.sha256}: the download was deleted (corrupted or tampered)`,
    );
  }
  renameSync(part, dest);
  return sha256;
}

async function main() {
  let opts;
  try {
    opts = options(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`models:fetch: ${error.message} — run with --help to see the usage\n`);
      return 2;
    }
    throw error;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const all = readCatalogue(opts.catalogue);
  if (opts.only) {
    const unknown = opts.only.filter((id) => !all.some((m) => m.id === id));
    if (unknown.length > 0) {
      process.stderr.write(
        `models:fetch: not in the catalogue: ${unknown.join(', ')} — see resources/models-catalogue.json\n`,
      );
      return 2;
    }
  }
  const chosen = all.filter(
    (m) => (!opts.only || opts.only.includes(m.id)) && (!opts.kind || m.kind === opts.kind),
  );
  mkdirSync(opts.dir, { recursive: true });
  const log = (line) => process.stdout.write(`${line}\n`);
  let failed = 0;
  for (const entry of chosen) {
    const dest = join(opts.dir, entry.fileName);
    if (!entry.sha256Confirmed && !opts.trustUnlisted) {
      log(
        `skip ${entry.id}: its SHA-256 is not confirmed in the catalogue (--trust-unlisted fetches it anyway)`,
      );
      continue;
    }
    try {
      if (await alreadyThere(entry, dest)) {
        log(`ok   ${entry.id}: ${dest} already present and verified`);
        if (entry.kind === 'speech') await fetchVoiceConfig(entry, dest, log);
        continue;
      }
      log(`get  ${entry.id} from ${entry.source}`);
      const sha256 = await download(entry, dest, log);
      log(
        entry.sha256Confirmed
          ? `ok   ${entry.id}: ${dest} (SHA-256 verified)`
          : `WARN ${entry.id}: ${dest} fetched WITHOUT a confirmed checksum; its SHA-256 is ${sha256} — check it with the publisher before recording it in the catalogue`,
      );
      if (entry.kind === 'speech') await fetchVoiceConfig(entry, dest, log);
    } catch (error) {
      failed++;
      process.stderr.write(`models:fetch: ${entry.id}: ${error.message}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`models:fetch: ${error.message}\n`);
    process.exitCode = 1;
  },
);
