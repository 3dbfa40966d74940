// Spawned by the vault CLI tests: `node --import tsx vault-cli.entry.ts <greffier args…>`
// runs the real CLI from source (no build needed); `--hold <dir>` instead opens
// the vault there and keeps it open until killed (a second process at once).
import { main } from '../../src/cli/main.js';
import { openVault } from '../../src/core/meetings/index.js';

if (process.argv[2] === '--hold') {
  const passphrase = Buffer.from(process.argv[4] ?? '');
  await openVault(process.argv[3]!, passphrase, { autoLockMinutes: 0 });
  process.stdout.write('open\n');
  setInterval(() => undefined, 60_000);
} else {
  await main();
}
