import {
  confirmSuggestion,
  rejectSuggestion,
  rememberSpeakerVoice,
  voiceSuggestions,
} from '../meetings/voices.js';
import { forgetVoice, listVoices } from '../speakers/voice-store.js';
import type { Handlers } from './service.js';
import type { AppSession } from './session.js';

/** Remembered voices on the meeting page and in the settings: suggest, confirm, keep, forget. */
export function voiceCalls(session: AppSession): Handlers {
  return {
    'voices.suggestions': async ({ meetingId }) =>
      voiceSuggestions(session.vault.meetings, meetingId),

    'voices.confirm': async ({ meetingId, speakerId }) => {
      await confirmSuggestion(session.vault.meetings, meetingId, speakerId);
      session.dispatcher.emit('meeting.changed', { meetingId });
      return { ok: true };
    },

    'voices.reject': async ({ meetingId, speakerId }) => {
      await rejectSuggestion(session.vault.meetings, meetingId, speakerId);
      return { ok: true };
    },

    'voices.remember': async ({ meetingId, speakerId, consentBy, consentNote }) => {
      const voice = await rememberSpeakerVoice(session.vault.meetings, meetingId, speakerId, {
        by: consentBy,
        note: consentNote,
      });
      return { id: voice.id };
    },

    'voices.list': async () =>
      listVoices(session.vault.vault).map(({ id, name, consent, createdAt }) => ({
        id,
        name,
        consent,
        createdAt,
      })),

    'voices.forget': async ({ id }) => {
      await forgetVoice(session.vault.vault, id);
      return { ok: true };
    },
  };
}
