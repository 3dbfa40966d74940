import { JobNotReady } from '../meetings/jobs.js';
import type { OpenVault } from '../meetings/index.js';
import { diarizeMeeting } from '../meetings/voices.js';
import { checkVoiceModel } from '../speakers/voices.js';
import { warmDiarizer } from '../speakers/voices-thread.js';
import { sha256File } from '../models/verify.js';
import type { Job, JobKind } from '../../shared/meetings.js';
import type { ModelSource } from '../models/source.js';

/**
 * The step after the final pass: speakers from voices when both speaker
 * models are installed (otherwise straight on to the minutes or the index).
 */
export function afterSpeakers(models: ModelSource, fromTranscript: boolean): JobKind {
  if (fromTranscript && models.has('segmentation') && models.has('voiceprint')) return 'diarize';
  return models.has('llm') ? 'summarize' : 'index';
}

export async function diarizeStep(
  open: Pick<OpenVault, 'meetings' | 'jobs'>,
  job: Job,
  models: ModelSource,
  options: { threads: number; signal?: AbortSignal },
): Promise<void> {
  const segmentation = await models.resolve(
    'segmentation',
    job.params.segmentationModel as string | undefined,
  );
  const voiceprint = await models.resolve(
    'voiceprint',
    job.params.voiceprintModel as string | undefined,
  );
  if (!segmentation || !voiceprint) {
    throw new JobNotReady(
      'no-voice-models',
      'no speaker models to tell the voices apart with',
      'import the speaker-segmentation and voiceprint models IT provided ("greffier models add F --kind segmentation", "--kind voiceprint")',
    );
  }
  // sherpa-onnx stops the whole process on a model it cannot read: check first.
  await checkVoiceModel(segmentation, 'segmentation');
  await checkVoiceModel(voiceprint, 'voiceprint');
  const speakers = job.params.speakers as number | undefined;
  // Remembered voices are compared only with voiceprints of the very same model.
  const modelSha = await sha256File(voiceprint);
  await diarizeMeeting(
    open.meetings,
    job.meetingId,
    { segmentation, voiceprint },
    {
      threads: options.threads,
      ...(speakers ? { speakers } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(job.params.force ? { force: true } : {}),
      modelSha,
    },
  );
}

/**
 * Starts the diarization worker while the final pass runs, when the step
 * will follow it: the worker's start, sherpa-onnx's loading and the models'
 * preparation are then off the step's clock. Best effort: a model that
 * cannot be resolved or checked is reported by the step itself, not here.
 */
export async function warmSpeakers(models: ModelSource, threads: number): Promise<void> {
  if (afterSpeakers(models, true) !== 'diarize') return;
  try {
    const segmentation = await models.resolve('segmentation');
    const voiceprint = await models.resolve('voiceprint');
    if (!segmentation || !voiceprint) return;
    // sherpa-onnx stops the whole process on a model it cannot read: checked first, as in the step.
    await checkVoiceModel(segmentation, 'segmentation');
    await checkVoiceModel(voiceprint, 'voiceprint');
    warmDiarizer({ segmentation, voiceprint }, threads);
  } catch {
    // The step says what is wrong, in its job's error.
  }
}
