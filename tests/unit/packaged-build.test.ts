// Finding 10 of issue 9: packaged builds obeyed test switches
// (GREFFIER_TEST_BUILD re-enabled DevTools; GREFFIER_RESOURCES and
// GREFFIER_WHISPER_CLI redirected which catalogue is trusted and which
// binary runs), did not refuse --remote-debugging-port / --inspect, and the
// model host let getLlama() compile llama.cpp when its prebuilt binary was
// missing.
import { describe, expect, it } from 'vitest';
import { llamaOptions } from '../../src/core/llm/llama-options.js';
import { packagedEnvironment, packagedSwitchProblem } from '../../src/main/security.js';

describe('packaged builds', () => {
  it('drop the test and redirection variables, and trust only their own resources', () => {
    const env: NodeJS.ProcessEnv = {
      HOME: '/home/clerk',
      GREFFIER_TEST_BUILD: '1',
      GREFFIER_RESOURCES: '/tmp/evil-resources',
      GREFFIER_WHISPER_CLI: '/tmp/evil-whisper',
      GREFFIER_HOME: '/home/clerk/greffier',
    };
    packagedEnvironment(env, '/opt/Greffier/resources');
    expect(env).toEqual({
      HOME: '/home/clerk',
      GREFFIER_RESOURCES: '/opt/Greffier/resources',
      GREFFIER_HOME: '/home/clerk/greffier',
    });
  });

  it('refuse to start with a debugging or inspection switch', () => {
    const exe = '/opt/Greffier/greffier';
    for (const argv of [
      [exe, '--remote-debugging-port=9222'],
      [exe, '--remote-debugging-port', '9222'],
      [exe, '--remote-debugging-pipe'],
      [exe, '--inspect'],
      [exe, '--inspect=0.0.0.0:9229'],
      [exe, '--inspect-brk'],
      [exe, '--inspect-port=9229'],
      [exe, '--inspect-brk-node=9229'],
      [exe, '--js-flags=--inspect'],
    ]) {
      expect(packagedSwitchProblem(argv, {}), argv.join(' ')).toMatch(/refused/);
    }
    expect(packagedSwitchProblem([exe], { NODE_OPTIONS: '--inspect=9229' })).toMatch(/refused/);
    expect(packagedSwitchProblem([exe], { ELECTRON_RUN_AS_NODE: '1' })).toMatch(/refused/);
    expect(packagedSwitchProblem([exe], {})).toBeUndefined();
    expect(packagedSwitchProblem([exe, '--lang=fr'], {})).toBeUndefined();
  });

  it('the model host never builds or downloads llama.cpp', () => {
    expect(llamaOptions(2)).toMatchObject({
      gpu: false,
      build: 'never',
      skipDownload: true,
      maxThreads: 2,
    });
  });
});
