import { GreffierError } from '../errors.js';
import type { ModelHost } from '../llm/host.js';
import type { ModelRef } from '../llm/protocol.js';
import type { OpenVault } from '../meetings/index.js';
import type { Answer } from '../../shared/minutes.js';
import type { LanguageChoice } from '../../shared/transcript.js';

export interface AnswerRequest {
  open: OpenVault;
  question: string;
  language: LanguageChoice;
  host: ModelHost;
  model: ModelRef;
  onStage?(stage: 'searching' | 'answering'): void;
  onToken?(text: string): void;
}

/**
 * The seam between the app and the intelligence core's grounded answers
 * (retrieval → model → verified citations). The app never builds answers
 * itself: this only adapts the call.
 */
export async function answerQuestion(_request: AnswerRequest): Promise<Answer> {
  throw new GreffierError('not-available', 'Answering questions is not available in this build yet.', {
    hint: 'Use the search in the meetings list, or update Greffier.',
  });
}
