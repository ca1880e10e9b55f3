#!/usr/bin/env node
/**
 * ternd: the composition root. Reads the configuration, builds the daemon, handles signals. The only place
 * that constructs the clock and the logger everything else receives.
 */
import { Command } from 'commander';
import { systemClock } from './common/clock.js';
import { jsonLogger, type LogLevel } from './common/logger.js';
import { formatConfigError, loadConfigFile } from './config/load.js';
import { startDaemon } from './daemon/daemon.js';
import { takeRestartMarker } from './daemon/restart-marker.js';
import { DEFAULT_CONTROL_SOCKET } from './control/protocol.js';
import { TERN_VERSION } from './version.js';

interface Options {
  config: string;
  logLevel: LogLevel;
  checkConfig?: boolean;
  restarting?: boolean;
  stateDir: string;
  controlSocket: string;
  warmUp: boolean;
}

async function run(options: Options): Promise<number> {
  const loaded = await loadConfigFile(options.config);
  if (!loaded.ok) {
    for (const e of loaded.errors) process.stderr.write(`ternd: ${formatConfigError(e)}\n`);
    return 2;
  }
  if (options.checkConfig) {
    process.stdout.write(`${options.config}: ok (${loaded.config.peers.length} peers)\n`);
    return 0;
  }
  const logger = jsonLogger((line) => process.stderr.write(line), options.logLevel);
  const marker = takeRestartMarker(options.stateDir, systemClock.now());
  const grEnabled = loaded.config.gracefulRestart.enabled;
  const restarting = grEnabled && (Boolean(options.restarting) || marker.restarting);
  logger.log('info', 'ternd.start', { version: TERN_VERSION, config: options.config, pid: process.pid, restarting, ...(marker.previous ? { previousPid: marker.previous.pid } : {}) });
  const daemon = await startDaemon(loaded.config, {
    clock: systemClock, logger, restarting, controlSocket: options.controlSocket, warmUp: options.warmUp,
  });
  await new Promise<void>((resolve) => {
    // SIGTERM with graceful restart: drop TCP without NOTIFICATION so peers keep our routes (RFC 4724 §4),
    // and keep the marker so the next start announces the restart. SIGINT (or SIGTERM without GR) stops
    // for good: Cease to every peer, marker removed.
    process.once('SIGTERM', () => void daemon.stop({ graceful: grEnabled }).then(() => {
      if (!grEnabled) marker.clear();
      resolve();
    }));
    process.once('SIGINT', () => void daemon.stop({ graceful: false }).then(() => {
      marker.clear();
      resolve();
    }));
  });
  logger.log('info', 'ternd.stop', {});
  return 0;
}

const program = new Command('ternd')
  .description('tern BGP daemon')
  .version(TERN_VERSION)
  .requiredOption('-c, --config <file>', 'YAML configuration file')
  .option('--log-level <level>', 'debug | info | warn | error', 'info')
  .option('--check-config', 'validate the configuration and exit')
  .option('--restarting', 'advertise the graceful-restart R bit even without a restart marker')
  .option('--state-dir <dir>', 'where ternd keeps its restart marker', '/var/lib/tern')
  .option('--control-socket <path>', 'Unix socket for bgpctl', DEFAULT_CONTROL_SOCKET)
  .option('--no-warm-up', 'skip priming the UPDATE path with a synthetic table at start')
  .action(async (options: Options) => {
    process.exitCode = await run(options);
  });

await program.parseAsync(process.argv);
