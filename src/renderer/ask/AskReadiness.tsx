import { useEffect, useState } from 'react';
import type { GreffierApi } from '../../shared/api.js';
import { useI18n } from '../i18n/i18n.js';

/** What a question needs and this vault has; unknown (undefined) until the core answers. */
export interface AskReadiness {
  hasLlmModel?: boolean;
  hasAsrModel?: boolean;
  meetings?: number;
}

/**
 * Asked of the core when the Questions screen opens, and again when a meeting
 * changes: a question that cannot be answered is said before the official
 * asks it, not after a spoken question was held and heard for nothing
 * (fifth French walk, M5).
 */
export function useAskReadiness(api: GreffierApi): AskReadiness {
  const [ready, setReady] = useState<AskReadiness>({});
  useEffect(() => {
    let live = true;
    const learn = () => {
      api.call('app.status', {}).then(
        ({ hasAsrModel, hasLlmModel }) =>
          live && setReady((r) => ({ ...r, hasAsrModel, hasLlmModel })),
        () => undefined,
      );
      api.call('meetings.list', {}).then(
        (meetings) => live && setReady((r) => ({ ...r, meetings: meetings.length })),
        () => undefined,
      );
    };
    learn();
    const off = api.on('meeting.changed', learn);
    return () => {
      live = false;
      off();
    };
  }, [api]);
  return ready;
}

/** The notes above the question: what is missing, and the way to Settings when it is a model. */
export function AskReadinessNotes({
  ready,
  onImportModels,
}: {
  ready: AskReadiness;
  onImportModels(): void;
}) {
  const { t } = useI18n();
  const noLlm = ready.hasLlmModel === false;
  const noAsr = ready.hasAsrModel === false;
  const noMeetings = ready.meetings === 0;
  if (!noLlm && !noAsr && !noMeetings) return null;
  return (
    <div className="notice" role="note" data-testid="ask-readiness">
      {noLlm && <p>{t('ask.ready.noLlm')}</p>}
      {noAsr && <p id="ask-no-asr">{t('ask.ready.noAsr')}</p>}
      {noMeetings && <p>{t('ask.ready.noMeetings')}</p>}
      {(noLlm || noAsr) && (
        <button type="button" onClick={onImportModels}>
          {t('meetings.importModels')}
        </button>
      )}
    </div>
  );
}
