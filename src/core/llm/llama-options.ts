// Types only: the model host imports node-llama-cpp itself, lazily.
import type { LlamaLogLevel, LlamaOptions } from 'node-llama-cpp';

/**
 * How the model host asks node-llama-cpp for its engine. getLlama's default
 * ("auto") silently downloads llama.cpp's source and compiles it when the
 * prebuilt binary is missing — minutes of CPU and, on a connected machine,
 * a download. Here: the prebuilt binary or a clear error, never a build.
 */
export function llamaOptions(threads: number, logLevel?: LlamaLogLevel): LlamaOptions {
  return {
    gpu: false,
    build: 'never',
    skipDownload: true,
    progressLogs: false,
    maxThreads: threads,
    ...(logLevel === undefined ? {} : { logLevel }),
  };
}
