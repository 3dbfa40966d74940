export {
  Vault,
  checkNewPassphrase,
  MEETING_INDEX_FILE,
  type KdfCost,
  type OpenOptions,
  type RecoveryReport,
} from './vault.js';
export { DEFAULT_KDF } from './crypto.js';
export type { JournalChunk } from './journal.js';
