// Runs on the audio thread: gathers the microphone's samples (the AudioContext
// already runs at 16 kHz, whisper's rate) into ~1 s chunks of 16-bit PCM and
// reports the level for the meter. Kept as plain JS: worklets load as-is.
/* global AudioWorkletProcessor, registerProcessor, sampleRate */
class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.chunk = new Int16Array(sampleRate);
    this.filled = 0;
    this.paused = false;
    this.peak = 0;
    this.sumSquares = 0;
    this.levelFrames = 0;
    this.port.onmessage = (event) => {
      if (event.data === 'pause') this.paused = true;
      else if (event.data === 'resume') this.paused = false;
      else if (event.data === 'flush') this.flush();
    };
  }

  flush() {
    if (this.filled > 0) {
      const pcm = this.chunk.slice(0, this.filled);
      this.port.postMessage({ type: 'chunk', pcm }, [pcm.buffer]);
      this.filled = 0;
    }
    this.port.postMessage({ type: 'flushed' });
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      const sample = Math.max(-1, Math.min(1, channel[i]));
      const magnitude = Math.abs(sample);
      if (magnitude > this.peak) this.peak = magnitude;
      this.sumSquares += sample * sample;
      if (this.paused) continue;
      // The same rule as core/audio/pcm.ts floatToInt16: one scale, rounded, clipped.
      this.chunk[this.filled++] = Math.max(-0x8000, Math.min(0x7fff, Math.round(sample * 0x8000)));
      if (this.filled === this.chunk.length) {
        const pcm = this.chunk;
        this.port.postMessage({ type: 'chunk', pcm }, [pcm.buffer]);
        this.chunk = new Int16Array(sampleRate);
        this.filled = 0;
      }
    }
    this.levelFrames += channel.length;
    if (this.levelFrames >= sampleRate / 20) {
      const rms = Math.sqrt(this.sumSquares / this.levelFrames);
      this.port.postMessage({ type: 'level', peak: this.peak, rms });
      this.peak = 0;
      this.sumSquares = 0;
      this.levelFrames = 0;
    }
    return true;
  }
}
registerProcessor('greffier-capture', CaptureProcessor);
