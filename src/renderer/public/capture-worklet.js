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
    // Multi-channel inputs (one microphone per seat): each channel's level per
    // 50 ms frame, one byte as core/speakers/channels.ts levelByte stores it.
    this.frameLength = Math.round(sampleRate / 20);
    this.channelSums = [];
    this.channelFilled = 0;
    this.levelBytes = [];
    this.port.onmessage = (event) => {
      if (event.data === 'pause') this.paused = true;
      else if (event.data === 'resume') this.paused = false;
      else if (event.data === 'flush') this.flush();
    };
  }

  send(pcm) {
    const levels = this.levelBytes.length ? Uint8Array.from(this.levelBytes) : undefined;
    this.levelBytes = [];
    this.port.postMessage({ type: 'chunk', pcm, levels }, [pcm.buffer]);
  }

  /** One sample of every channel into the per-channel frame levels. */
  measure(input, i) {
    for (let c = 0; c < input.length; c++) {
      const s = input[c][i];
      this.channelSums[c] = (this.channelSums[c] || 0) + s * s;
    }
    if (++this.channelFilled < this.frameLength) return;
    for (let c = 0; c < input.length; c++) {
      const rms = Math.sqrt(this.channelSums[c] / this.channelFilled);
      const db = rms > 0 ? 20 * Math.log10(rms) : -Infinity;
      this.levelBytes.push(db > -127.5 ? Math.min(255, Math.max(0, Math.round(-db / 0.5))) : 255);
      this.channelSums[c] = 0;
    }
    this.channelFilled = 0;
  }

  flush() {
    if (this.filled > 0) {
      this.send(this.chunk.slice(0, this.filled));
      this.filled = 0;
    }
    this.port.postMessage({ type: 'flushed' });
  }

  process(inputs) {
    const input = inputs[0];
    const channel = input && input[0];
    if (!channel) return true;
    const several = input.length > 1;
    for (let i = 0; i < channel.length; i++) {
      let mixed = channel[i];
      if (several) {
        // Whisper hears the room as one: the channels' average, as core/audio downmix does.
        mixed = 0;
        for (let c = 0; c < input.length; c++) mixed += input[c][i];
        mixed /= input.length;
        if (!this.paused) this.measure(input, i);
      }
      const sample = Math.max(-1, Math.min(1, mixed));
      const magnitude = Math.abs(sample);
      if (magnitude > this.peak) this.peak = magnitude;
      this.sumSquares += sample * sample;
      if (this.paused) continue;
      // The same rule as core/audio/pcm.ts floatToInt16: one scale, rounded, clipped.
      this.chunk[this.filled++] = Math.max(-0x8000, Math.min(0x7fff, Math.round(sample * 0x8000)));
      if (this.filled === this.chunk.length) {
        this.send(this.chunk);
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
