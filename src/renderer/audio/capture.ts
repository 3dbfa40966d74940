import { SAMPLE_RATE } from '../../shared/audio.js';

/**
 * The microphone, as whisper wants it: 16 kHz mono 16-bit PCM in ~1 s chunks.
 * The AudioContext runs at SAMPLE_RATE so the browser does the resampling; the
 * worklet (public/capture-worklet.js) converts to 16-bit once, off the main
 * thread, and those bytes go to the vault and to whisper unchanged.
 */
export interface Capture {
  /** Channels captured (1 unless a multi-channel input was asked for and given). */
  channels: number;
  pause(): void;
  resume(): void;
  /** Sends the partial chunk still in the worklet, then releases the microphone. */
  stop(): Promise<void>;
}

export interface CaptureOptions {
  deviceId?: string;
  /** More than one: a multi-channel input (one microphone per seat), levels sent per channel. */
  channels?: number;
  onChunk(pcm: Int16Array, levels?: Uint8Array): void;
  onLevel?(level: { peak: number; rms: number }): void;
}

export async function startCapture(options: CaptureOptions): Promise<Capture> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: {
      ...(options.deviceId ? { deviceId: { exact: options.deviceId } } : {}),
      channelCount: (options.channels ?? 1) > 1 ? { ideal: options.channels! } : 1,
      // The clerk wants the room as it sounds; whisper copes better with the raw signal.
      echoCancellation: false,
      noiseSuppression: false,
      autoGainControl: false,
    },
  });
  const context = new AudioContext({ sampleRate: SAMPLE_RATE });
  await context.audioWorklet.addModule('capture-worklet.js');
  const source = context.createMediaStreamSource(stream);
  // What the device really gives, which may be fewer channels than asked.
  const granted = Math.max(1, stream.getAudioTracks()[0]?.getSettings().channelCount ?? 1);
  const channels = Math.min(granted, options.channels ?? 1);
  const node = new AudioWorkletNode(context, 'greffier-capture', {
    numberOfInputs: 1,
    numberOfOutputs: 0,
    channelCount: channels,
    channelCountMode: 'explicit',
    channelInterpretation: 'discrete',
  });
  let flushed: (() => void) | undefined;
  node.port.onmessage = (event: MessageEvent) => {
    const data = event.data as
      | { type: 'chunk'; pcm: Int16Array; levels?: Uint8Array }
      | { type: 'level'; peak: number; rms: number }
      | { type: 'flushed' };
    if (data.type === 'chunk') options.onChunk(data.pcm, data.levels);
    else if (data.type === 'level') options.onLevel?.(data);
    else flushed?.();
  };
  source.connect(node);
  // Stopping twice (the Stop button, then leaving the screen) stops once.
  let stopped: Promise<void> | undefined;
  return {
    channels,
    pause: () => node.port.postMessage('pause'),
    resume: () => node.port.postMessage('resume'),
    stop() {
      stopped ??= (async () => {
        await new Promise<void>((resolve) => {
          flushed = resolve;
          node.port.postMessage('flush');
          setTimeout(resolve, 500);
        });
        source.disconnect();
        node.disconnect();
        for (const track of stream.getTracks()) track.stop();
        await context.close();
      })();
      return stopped;
    },
  };
}

/** How many channels an input gives (opens it briefly; the recording screen lists them). */
export async function inputChannels(deviceId?: string): Promise<number> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: {
      ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
      channelCount: { ideal: 32 },
      echoCancellation: false,
      noiseSuppression: false,
      autoGainControl: false,
    },
  });
  const count = stream.getAudioTracks()[0]?.getSettings().channelCount ?? 1;
  for (const track of stream.getTracks()) track.stop();
  return Math.max(1, count);
}

export async function listMicrophones(): Promise<MediaDeviceInfo[]> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices.filter((device) => device.kind === 'audioinput');
}

export function pcmToBytes(pcm: Int16Array): Uint8Array {
  // Little-endian on every platform we ship to (x86-64, arm64), as the vault expects.
  return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}
