import { answerQuestion as groundedAnswer } from '../answers/answer.js';
import type { ModelHost } from '../llm/host.js';
import type { ModelRef } from '../llm/protocol.js';
import type { OpenVault } from '../meetings/index.js';
import { currentIndex, embedMissing, vaultSegmentLookup } from '../search/store.js';
import type { Answer } from '../../shared/minutes.js';
import type { LanguageChoice } from '../../shared/transcript.js';

export interface AnswerRequest {
  open: OpenVault;
  question: string;
  language: LanguageChoice;
  host: ModelHost;
  model: ModelRef;
  embeddingModel?: ModelRef;
  signal?: AbortSignal;
  onStage?(stage: 'searching' | 'answering'): void;
  onToken?(text: string): void;
}

/**
 * The seam between the app and the intelligence core's grounded answers
 * (retrieval → model → citations verified in code). The app never builds
 * answers itself: this only gathers the index and hands the question over.
 */
export async function answerQuestion(request: AnswerRequest): Promise<Answer> {
  request.onStage?.('searching');
  const index = await currentIndex(request.open);
  if (request.embeddingModel) {
    await embedMissing(request.open, index, request.host, request.embeddingModel, request.signal);
  }
  request.onStage?.('answering');
  return groundedAnswer(request.question, {
    host: request.host,
    model: request.model,
    index,
    lookup: vaultSegmentLookup(request.open),
    ...(request.embeddingModel ? { embeddingModel: request.embeddingModel } : {}),
    ...(request.language === 'auto' ? {} : { language: request.language }),
    ...(request.signal ? { signal: request.signal } : {}),
    ...(request.onToken ? { onAnswerText: request.onToken } : {}),
  });
}
