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
import { TERN_VERSION } from './version.js';

interface Options {
  config: string;
  logLevel: LogLevel;
  checkConfig?: boolean;
  restarting?: boolean;
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
  logger.log('info', 'ternd.start', { version: TERN_VERSION, config: options.config, pid: process.pid });
  const daemon = await startDaemon(loaded.config, { clock: systemClock, logger, restarting: Boolean(options.restarting) });
  await new Promise<void>((resolve) => {
    const graceful = loaded.config.gracefulRestart.enabled;
    // SIGTERM with graceful restart: drop TCP without NOTIFICATION so peers keep our routes (RFC 4724 §4).
    process.once('SIGTERM', () => void daemon.stop({ graceful }).then(resolve));
    process.once('SIGINT', () => void daemon.stop({ graceful: false }).then(resolve));
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
  .option('--restarting', 'advertise the graceful-restart R bit (set by the service manager after a restart)')
  .action(async (options: Options) => {
    process.exitCode = await run(options);
  });

await program.parseAsync(process.argv);
