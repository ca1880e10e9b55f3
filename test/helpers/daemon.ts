/** ternd in-process for tests: a YAML body (without router id, AS and listen) on a random loopback port. */
import { systemClock } from '../../src/common/clock.js';
import { silentLogger } from '../../src/common/logger.js';
import { parseConfig } from '../../src/config/load.js';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.js';

export async function inProcessDaemon(
  body: string, options: { restarting?: boolean; controlSocket?: string } = {},
): Promise<{ daemon: Daemon; port: number }> {
  const port = 21000 + Math.floor(Math.random() * 20000);
  const loaded = parseConfig(`routerId: 10.0.0.1\nlocalAs: 65001\nlisten: { address: 127.0.0.1, port: ${port} }\n${body}`, 'test.yaml');
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const daemon = await startDaemon(loaded.config, {
    clock: systemClock, logger: silentLogger,
    ...(options.restarting ? { restarting: true } : {}),
    ...(options.controlSocket ? { controlSocket: options.controlSocket } : {}),
  });
  return { daemon, port };
}
