/**
 * The page's link (`readSettingsQuery`): whatever the query, valid settings within LIMITS, every
 * value not used named in a problem of its own, every value not named used as given.
 */
import { validateConfig } from '../../../src/engine/run.ts';
import { PRESET_NAMES } from '../../../src/sll/arch.ts';
import { BACKEND_NAMES } from '../../../src/sll/backendNames.ts';
import { LOSS_NAMES } from '../../../src/sll/lossNames.ts';
import {
  DEFAULT_SETTINGS,
  LIMITS,
  type Settings,
  URL_KEYS,
  readSettingsQuery,
  settingsToQuery,
  toTrainConfig,
} from '../../../src/store/settings.ts';
import type { FuzzTarget } from '../harness.ts';
import { BOUNDARY_INTEGERS, pick, randomInt } from '../mutate.ts';

/** What the page's link reader reported: each problem a sentence naming its key. */
export class UrlRefusal extends Error {
  override name = 'UrlRefusal';
}

const NASTY_TEXT = [
  '',
  ' ',
  ' 5',
  '5 ',
  '+5',
  '-0',
  '0x10',
  '1e3',
  '1e-400',
  '١٢',
  '\u0000',
  '%00',
  '%ZZ',
  'NaN',
  'Infinity',
  '-Infinity',
  '__proto__',
  'constructor',
  'toString',
  'x'.repeat(10_000),
  '😀',
  'true',
  'TRUE',
  '0.0000001',
  '10.000000000000002',
  '9007199254740993',
  'cifar100-abc',
  'lab',
  'tiny',
  'webgpu',
];

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function settingsProblem(s: Settings): string | null {
  const ints: [keyof typeof LIMITS, number][] = Object.keys(LIMITS).map((k) => [
    k as keyof typeof LIMITS,
    s[k as keyof typeof LIMITS] as number,
  ]);
  for (const [k, v] of ints) {
    const { min, max } = LIMITS[k];
    if (!Number.isSafeInteger(v) || v < min || v > max) return `${k} = ${v} is outside ${min}..${max}`;
  }
  if (!Number.isSafeInteger(s.seed) || s.seed < 0 || s.seed > 2 ** 31 - 1) return `seed = ${s.seed}`;
  if (!(s.learningRate > 0 && s.learningRate <= 10)) return `learningRate = ${s.learningRate}`;
  if (!/^[\w-]{1,64}$/.test(s.dataset)) return `dataset = ${JSON.stringify(s.dataset)}`;
  if (!PRESET_NAMES.includes(s.preset)) return `preset = ${s.preset}`;
  if (!LOSS_NAMES.includes(s.loss)) return `loss = ${s.loss}`;
  if (s.backend !== 'auto' && !BACKEND_NAMES.includes(s.backend)) return `backend = ${s.backend}`;
  if (typeof s.augment !== 'boolean') return `augment = ${String(s.augment)}`;
  try {
    validateConfig(toTrainConfig(s));
  } catch (e) {
    return `the settings make no valid run: ${(e as Error).message}`;
  }
  return null;
}

/** The page's `?...` link: readSettingsQuery must give valid settings and name every value it drops. */
export function urlTarget(): FuzzTarget<string> {
  const keys = Object.values(URL_KEYS);
  return {
    name: 'URL parameters',
    seeds: [
      { kind: 'defaults', value: settingsToQuery(DEFAULT_SETTINGS) },
      { kind: 'tiny', value: 'preset=tiny&conv=3&eps=72&augment=false&lr=0.001&data=cifar100-x' },
    ],
    specials: [
      { kind: 'empty', value: '' },
      { kind: 'only ?', value: '?' },
      { kind: '10,000 keys', value: Array.from({ length: 10_000 }, (_, i) => `k${i}=${i}`).join('&') },
      { kind: 'a 1 MB value', value: `lr=${'9'.repeat(1e6)}` },
      { kind: 'broken escapes', value: 'eps=%E0%A4%A&width=%' },
    ],
    mutate(seed, rng) {
      const params = new URLSearchParams(seed);
      const choice = randomInt(rng, 5);
      if (choice === 4) {
        const chars = [...seed];
        const at = randomInt(rng, chars.length + 1);
        chars.splice(at, randomInt(rng, 3), pick(rng, ['&', '=', '%', '+', '#', '?', '%00', '&&==']));
        return { value: chars.join(''), kind: `characters at ${at}` };
      }
      const key = rng.uniform() < 0.9 ? pick(rng, keys) : pick(rng, ['__proto__', 'x', '', 'EPS']);
      const value = rng.uniform() < 0.7 ? pick(rng, NASTY_TEXT) : String(pick(rng, BOUNDARY_INTEGERS));
      if (choice === 0) params.set(key, value);
      else if (choice === 1) params.append(key, value);
      else if (choice === 2) params.delete(key);
      else params.set(key, encodeURIComponent(value));
      const shown = JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);
      return {
        value: params.toString(),
        kind: `${['set', 'append', 'delete', 'encode'][choice]} ${key}=${shown}`,
      };
    },
    feed(query) {
      const { settings, problems } = readSettingsQuery(query);
      const bad = settingsProblem(settings);
      if (bad) throw new Error(`invalid settings from ${JSON.stringify(query.slice(0, 80))}: ${bad}`);
      const params = new URLSearchParams(query);
      for (const p of problems) {
        if (p.length > 200 || CONTROL.test(p) || !keys.some((k) => p.startsWith(`${k}=`))) {
          throw new Error(`an unreadable problem: ${JSON.stringify(p.slice(0, 100))}`);
        }
      }
      // A value that was not reported was applied as given.
      for (const [field, key] of Object.entries(URL_KEYS) as [keyof Settings, string][]) {
        const raw = params.get(key);
        if (raw === null || problems.some((p) => p.startsWith(`${key}=`))) continue;
        const v = settings[field];
        const same = typeof v === 'number' ? Number(raw) === v : String(v) === raw;
        if (!same)
          throw new Error(`${key}=${raw.slice(0, 40)} was neither applied nor reported (${String(v)})`);
      }
      if (problems.length > 0) throw new UrlRefusal(problems.join('; '));
    },
    errors: [UrlRefusal],
  };
}
