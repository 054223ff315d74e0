/**
 * A link's settings: every value that cannot be used is reported (the key, the bad value, what is
 * used instead) while the rest of the link still applies.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  depthOf,
  readSettingsQuery,
  settingsFromQuery,
  settingsToQuery,
} from '../../src/store/settings.ts';

describe('readSettingsQuery', () => {
  it('names each malformed value and what is used instead, and applies the rest', () => {
    const { settings, problems } = readSettingsQuery('?eps=abc&conv=-3&backend=nope&width=8');
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, width: 8 });
    expect(problems).toEqual([
      'conv=-3 is not an integer in 0..70; using 4',
      'backend=nope is not one of auto, webgpu, webgl, wasm, cpu; using auto',
      'eps=abc is not an integer in 0..255; using 36',
    ]);
  });

  it('reports nothing for a good link, and round-trips the settings', () => {
    const s = { ...DEFAULT_SETTINGS, preset: 'tiny' as const, nConv: 3, epsSteps: 72, augment: false };
    expect(readSettingsQuery(settingsToQuery(s))).toEqual({ settings: s, problems: [] });
    expect(readSettingsQuery('')).toEqual({ settings: DEFAULT_SETTINGS, problems: [] });
  });

  it('uses the depth of a valid preset as the fallback for a bad conv, dense or width', () => {
    const { settings, problems } = readSettingsQuery('preset=small&dense=99&width=12');
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, preset: 'small', ...depthOf('small'), width: 12 });
    expect(problems).toEqual([`dense=99 is not an integer in 0..15; using ${depthOf('small').nDense}`]);
  });

  it('covers every kind of value', () => {
    const { settings, problems } = readSettingsQuery(
      'preset=giant&data=a%20b&loss=nope&lr=-1&batch=0&epochs=1.5&augment=yes&seed=-1&train=x&evalImages=&evalEvery=1e3',
    );
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(problems).toEqual([
      'preset=giant is not one of tiny, lab, small, medium, large, xlarge; using lab',
      'data=a b is not a dataset id (letters, digits, - and _); using cifar10',
      'loss=nope is not one of xent, margin, xent+margin; using xent',
      'lr=-1 is not a number above 0 and at most 10; using 0.01',
      'batch=0 is not an integer in 1..1024; using 64',
      'epochs=1.5 is not an integer in 1..1000; using 5',
      'augment=yes is not true or false; using true',
      'seed=-1 is not an integer in 0..2147483647; using 0',
      'train=x is not an integer in 0..1000000; using 0',
      'evalImages= is not an integer in 1..10000; using 500',
      'evalEvery=1e3 is not an integer in 1..100000; using 50',
    ]);
  });

  it('quotes a bad value only as a short, printable excerpt', () => {
    const { problems } = readSettingsQuery(`eps=${encodeURIComponent('\u0000\u0007' + 'x'.repeat(500))}`);
    expect(problems).toEqual([`eps=??${'x'.repeat(22)}… is not an integer in 0..255; using 36`]);
  });

  it('settingsFromQuery keeps its old contract: the settings alone', () => {
    expect(settingsFromQuery('eps=abc&width=8')).toEqual({ ...DEFAULT_SETTINGS, width: 8 });
  });
});
