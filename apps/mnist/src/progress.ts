// Per-epoch progress on stderr: a cli-progress bar on a terminal, an occasional plain line
// otherwise (logs and CI would fill up with carriage-return frames).
import cliProgress from 'cli-progress';

/** Running figures of an epoch, shown next to the bar. */
export interface ProgressStats {
  /** Mean training loss so far this epoch. */
  loss: number;
  /** Training accuracy so far this epoch, in [0, 1]. */
  accuracy: number;
  /** Samples seen so far this epoch. */
  samples: number;
}

/** What the training loop reports to. */
export interface Progress {
  update(batch: number, stats: ProgressStats): void;
  stop(): void;
}

/** Seconds as `1m05s` / `42s` / `3.2s`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 10) return `${Math.max(0, s).toFixed(1)}s`;
  const r = Math.round(s);
  return r >= 60 ? `${Math.floor(r / 60)}m${String(r % 60).padStart(2, '0')}s` : `${r}s`;
}

function describe(stats: ProgressStats, rate: number): string {
  return (
    `loss ${stats.loss.toFixed(4)} | acc ${(stats.accuracy * 100).toFixed(2)}% | ` +
    `${Math.round(rate).toLocaleString('en-US')} samples/s`
  );
}

/**
 * A progress display for one epoch of `total` batches.
 *
 * @param stream where to draw (stderr: stdout stays a clean record of results)
 * @param quiet show nothing (tests, `--quiet`)
 */
export function epochProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
  quiet = false,
): Progress {
  const start = performance.now();
  const rate = (samples: number) => samples / Math.max(1e-9, (performance.now() - start) / 1000);
  if (quiet) return { update() {}, stop() {} };
  if (!stream.isTTY) {
    let last = start;
    return {
      update(batch, stats) {
        const now = performance.now();
        if (now - last < 10_000 || batch === total) return;
        last = now;
        const eta = ((now - start) / 1000 / batch) * (total - batch);
        stream.write(
          `${label} ${batch}/${total} | ${describe(stats, rate(stats.samples))} | ETA ${formatSeconds(eta)}\n`,
        );
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {stats} | ETA {eta_formatted}`,
      barsize: 24,
      stream,
      gracefulExit: false,
      clearOnComplete: true,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { stats: '' });
  return {
    update(batch, stats) {
      bar.update(batch, { stats: describe(stats, rate(stats.samples)) });
    },
    stop() {
      bar.stop();
    },
  };
}
