import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type Arch, PRESET_NAMES, isPresetName, presetArch, validateArch } from '../../sll/arch.ts';
import { initialParams } from '../../sll/init.ts';
import { countParameters } from '../../sll/params.ts';
import { serializeWeights } from '../../sll/weightsJson.ts';
import { CliError } from '../errors.ts';
import { integerOption, readInputFile } from '../io.ts';

export const INIT_HELP = `Usage: sll-lab init (--preset NAME | --arch FILE.json) --seed N --out W.json

Writes a freshly initialised network (the official initialisation, seeded) as an
sll-lab/weights v1 JSON file.

Options:
  --preset NAME   one of: ${PRESET_NAMES.join(', ')}
  --arch FILE     a JSON architecture object (nConv, nDense, width, convInnerDim,
                  denseInnerDim, imageSize, inChannels, nClasses, mean, std)
  --seed N        random seed (same seed, same weights)
  --out FILE      where to write the weights JSON
  -h, --help      show this help`;

export async function resolveArch(preset: string | undefined, archFile: string | undefined): Promise<Arch> {
  if ((preset === undefined) === (archFile === undefined)) {
    throw new CliError('give exactly one of --preset NAME or --arch FILE.json');
  }
  if (preset !== undefined) {
    if (!isPresetName(preset))
      throw new CliError(`unknown preset "${preset}" (one of: ${PRESET_NAMES.join(', ')})`);
    return presetArch(preset);
  }
  const text = new TextDecoder().decode(await readInputFile(archFile as string, 'architecture file'));
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${archFile} is not JSON: ${(e as Error).message}`);
  }
  return validateArch(raw);
}

export async function runInit(argv: string[], out: (line: string) => void): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      preset: { type: 'string' },
      arch: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    out(INIT_HELP);
    return;
  }
  const arch = await resolveArch(values.preset, values.arch);
  const seed = integerOption(values.seed, 'seed');
  if (!values.out) throw new CliError('--out FILE is required');
  const params = initialParams(arch, seed);
  await writeFile(
    values.out,
    serializeWeights(arch, params, { init: { seed, createdAt: new Date().toISOString() } }),
  );
  out(`wrote ${values.out}: ${countParameters(arch).toLocaleString('en-US')} parameters, seed ${seed}`);
}
