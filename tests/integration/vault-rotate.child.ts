// Spawned by vault-rotate.test.ts: changes the vault's passphrase back and
// forth, forever, until the test kills it with SIGKILL at a random moment.
//   node --import tsx vault-rotate.child.ts <vault dir> <passphrase A> <passphrase B>
import { openVault } from '../../src/core/meetings/index.js';

const [dir, a, b] = process.argv.slice(2) as [string, string, string];
let current = a;
let next = b;
process.stdout.write('ready\n');
for (;;) {
  // Which passphrase the vault holds at this point can be either: both are tried.
  const open = await openVault(dir, Buffer.from(current), { autoLockMinutes: 0 }).catch(
    async () => {
      [current, next] = [next, current];
      return openVault(dir, Buffer.from(current), { autoLockMinutes: 0 });
    },
  );
  await open.vault.changePassphrase(Buffer.from(next));
  await open.vault.lock();
  [current, next] = [next, current];
}
