#!/usr/bin/env node
// asgrad-mnist: subcommand dispatch. Every failure is one line on stderr and a non-zero exit
// (2: bad command line, 1: anything else, 130: interrupted); ASGRAD_DEBUG=1 adds the stack.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { MAX_THREADS, setThreads } from '@asgrad/kernels';
import { CHECKPOINT_FILE } from './checkpoint.js';
import { parseContenders, runCompare } from './compare.js';
import { DATASET_NAMES } from './data.js';
import { runEval } from './evaluate.js';
import { MODEL_NAMES } from './models.js';
import { isOptimizerName, OPTIMIZER_NAMES, SCHEDULE_NAMES } from './optimizers.js';
import { choiceOption, intOption, latestRun, positiveOption, timestampedDir, UsageError } from './options.js';
import { runPredict } from './predict.js';
import { DEFAULT_CONFIG, runTraining } from './train.js';
import { runTrajectories } from './trajectories.js';

const RUNS = 'runs';

const USAGE = `usage: asgrad-mnist [command] [options]      (pnpm mnist ...; no command = train)

commands:
  train         train a model; per-epoch checkpoint and report in the run directory
  compare       train the same model with several optimizers; one table, one loss plot
  eval          test accuracy and confusion matrix of a checkpoint
  predict       classify a PNG (any size / colour) or a test image; shows it and the probabilities
  trajectories  optimizer paths on Beale, Rosenbrock and a saddle, drawn as SVG

train:    --model ${MODEL_NAMES.join('|')} (${DEFAULT_CONFIG.model})  --optimizer ${OPTIMIZER_NAMES.join('|')} (${DEFAULT_CONFIG.optimizer})
          --lr X (per optimizer)  --schedule ${SCHEDULE_NAMES.join('|')} (${DEFAULT_CONFIG.schedule})  --epochs N (${DEFAULT_CONFIG.epochs})  --batch-size N (${DEFAULT_CONFIG.batchSize})  --seed N (${DEFAULT_CONFIG.seed})
          --dataset ${DATASET_NAMES.join('|')}  --out DIR | --name NAME (runs/NAME)  --resume (the latest run, or --out DIR)
          --train-limit N  --test-limit N  --validation N (${DEFAULT_CONFIG.validation})  --threads N (all cores)  --quiet
compare:  --optimizers a,b:LR,... (sgd,momentum,adagrad,rmsprop,adam)  --epochs N (1)  --schedule (none),
          and train's data, model, batch, seed and output options
eval:     --checkpoint RUN_DIR|checkpoint.json|model.safetensors  --test-limit N
predict:  --checkpoint ...  (IMAGE.png | --index N)
trajectories: --steps N (500)  --out DIR`;

/** Flags shared by train and compare. */
const RUN_FLAGS = {
  model: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  seed: { type: 'string' },
  dataset: { type: 'string' },
  out: { type: 'string' },
  name: { type: 'string' },
  'train-limit': { type: 'string' },
  'test-limit': { type: 'string' },
  validation: { type: 'string' },
  schedule: { type: 'string' },
  threads: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const log = (line: string) => console.log(line);

/** parseArgs (strict), its errors turned into one-line UsageErrors; at most `positionals` positionals. */
function parse<T extends ParseArgsConfig['options']>(args: string[], options: T, positionals = 0) {
  try {
    const r = parseArgs({ args, options: options as NonNullable<T>, strict: true, allowPositionals: true });
    if (r.positionals.length > positionals)
      throw new UsageError(`unexpected argument '${r.positionals[positionals]}'`);
    return r;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const m = /^Unknown option '([^']+)'/.exec((e as Error).message);
    if (m) throw new UsageError(`unknown option ${m[1]}`);
    throw new UsageError((e as Error).message.split('. ')[0]);
  }
}

async function applyThreads(v: string | undefined): Promise<void> {
  const n = intOption('threads', v, 1);
  if (n === undefined) return;
  if (n > MAX_THREADS) throw new UsageError(`--threads must be at most ${MAX_THREADS}, got ${n}`);
  await setThreads(n);
}

function runDir(values: { out?: string; name?: string }, suffix: string): string {
  if (values.out !== undefined && values.name !== undefined)
    throw new UsageError('give --out or --name, not both');
  if (values.name !== undefined) {
    if (!/^[\w.-]+$/.test(values.name))
      throw new UsageError(`--name must be a plain file name, got '${values.name}'`);
    return `${RUNS}/${values.name}`;
  }
  return values.out ?? timestampedDir(RUNS, suffix);
}

/** Data and model options common to train and compare. */
function runOptions(v: Record<string, string | boolean | undefined>) {
  const s = (k: string) => v[k] as string | undefined;
  return {
    model: choiceOption('model', s('model'), MODEL_NAMES),
    epochs: intOption('epochs', s('epochs'), 1),
    batchSize: intOption('batch-size', s('batch-size'), 1),
    seed: intOption('seed', s('seed'), 0),
    dataset: choiceOption('dataset', s('dataset'), DATASET_NAMES),
    trainLimit: intOption('train-limit', s('train-limit'), 1),
    testLimit: intOption('test-limit', s('test-limit'), 1),
    validation: intOption('validation', s('validation'), 0),
    schedule: choiceOption('schedule', s('schedule'), SCHEDULE_NAMES),
  };
}

async function train(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...RUN_FLAGS,
    optimizer: { type: 'string' },
    lr: { type: 'string' },
    resume: { type: 'boolean' },
  });
  if (values.help) return help();
  const config = {
    ...runOptions(values),
    optimizer: choiceOption('optimizer', values.optimizer, OPTIMIZER_NAMES),
    lr: positiveOption('lr', values.lr),
  };
  await applyThreads(values.threads);
  const out =
    values.resume && values.out === undefined && values.name === undefined
      ? latestRun(RUNS, CHECKPOINT_FILE)
      : runDir(
          values,
          `${config.model ?? DEFAULT_CONFIG.model}-${config.optimizer ?? DEFAULT_CONFIG.optimizer}`,
        );
  const r = await runTraining({ out, resume: values.resume ?? false, config, quiet: values.quiet, log });
  return r.interrupted ? 130 : 0;
}

async function compare(args: string[]): Promise<number> {
  const { values } = parse(args, { ...RUN_FLAGS, optimizers: { type: 'string' } });
  if (values.help) return help();
  const o = runOptions(values);
  const contenders = parseUsage(() =>
    parseContenders(values.optimizers ?? 'sgd,momentum,adagrad,rmsprop,adam', isOptimizerName),
  );
  await applyThreads(values.threads);
  await runCompare({
    ...DEFAULT_CONFIG,
    ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
    epochs: o.epochs ?? 1,
    schedule: o.schedule ?? 'none',
    contenders,
    out: runDir(values, 'compare'),
    quiet: values.quiet,
    log,
  });
  return 0;
}

function parseUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function evalCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    checkpoint: { type: 'string' },
    'test-limit': { type: 'string' },
    threads: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return help();
  if (values.checkpoint === undefined) throw new UsageError('eval needs --checkpoint FILE');
  const testLimit = intOption('test-limit', values['test-limit'], 1) ?? null;
  await applyThreads(values.threads);
  runEval({ checkpoint: values.checkpoint, testLimit, log });
  return 0;
}

async function predict(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      checkpoint: { type: 'string' },
      index: { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    1,
  );
  if (values.help) return help();
  if (values.checkpoint === undefined) throw new UsageError('predict needs --checkpoint FILE');
  const index = intOption('index', values.index, 0);
  const image = positionals[0];
  if ((image === undefined) === (index === undefined))
    throw new UsageError('predict needs an IMAGE.png or --index N (one of them)');
  await applyThreads(values.threads);
  runPredict({ checkpoint: values.checkpoint, image, index, log });
  return 0;
}

async function trajectories(args: string[]): Promise<number> {
  const { values } = parse(args, {
    steps: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return help();
  const steps = intOption('steps', values.steps, 1) ?? 500;
  runTrajectories({ steps, out: values.out ?? RUNS, log });
  return 0;
}

function help(): number {
  log(USAGE);
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  train,
  compare,
  eval: evalCommand,
  predict,
  trajectories,
};

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === 'help' || first === '--help' || first === '-h') return help();
  if (first === undefined || first.startsWith('-')) return train(argv);
  const command = COMMANDS[first];
  if (!command)
    throw new UsageError(`unknown command '${first}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const message = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
    const hint = e instanceof UsageError ? ' (see asgrad-mnist --help)' : '';
    process.stderr.write(`asgrad-mnist: ${message}${hint}\n`);
    if (process.env.ASGRAD_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
