/**
 * The page's link (`readSettingsQuery`): keys set to boundary numbers, odd text, broken escapes,
 * repeated or unknown keys. Whatever the link, the settings stay within LIMITS and make a valid
 * run, every value not used is named in a problem of its own, and every value not named is used.
 */
import { describe } from 'vitest';
import { itFuzzes } from './ci.ts';
import { urlTarget } from './targets/url.ts';

describe('fuzz: URL parameters', () => {
  itFuzzes('gives valid settings for every link and names each value it drops', urlTarget, 600);
});
