#!/usr/bin/env node
/**
 * bgpctl: the operator's command line. `decode` works offline on hex captures; commands that talk to a
 * running ternd arrive with the control socket.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { contextFromOptions, decodeAll, InputError, messageLines, parseHex, type DecodeOptions } from './decode-command.js';
import { TERN_VERSION } from '../version.js';
import {
  DEFAULT_CONTROL_SOCKET, type ControlRequest, type ExplainView, type KernelView, type NeighborView, type RoutesView, type SoftInView,
} from '../control/protocol.js';
import { ControlError, requestDaemon } from './control-client.js';
import { renderNeighbors } from './render-neighbors.js';
import { renderKernel } from './render-kernel.js';
import { renderExplain, renderRoutes } from './render-routes.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function runDecode(hexArgs: string[], options: DecodeOptions & { file?: string }): Promise<number> {
  const ctx = contextFromOptions(options);
  let messages: Uint8Array[];
  if (hexArgs.length > 0) {
    messages = hexArgs.map((h, i) => parseHex(h, `argument ${i + 1}`));
  } else {
    const source = options.file ?? 'stdin';
    const text = options.file ? readFileSync(options.file, 'utf8') : await readStdin();
    messages = messageLines(text).map(({ line, number }) => parseHex(line, `${source}:${number}`));
  }
  const outcome = decodeAll(messages, ctx);
  for (const line of outcome.lines) process.stdout.write(line + '\n');
  return outcome.sessionReset ? 1 : 0;
}

function socketOf(program: Command): string {
  return (program.opts() as { socket?: string }).socket ?? process.env.TERN_CONTROL_SOCKET ?? DEFAULT_CONTROL_SOCKET;
}

async function neighborAction(program: Command, request: ControlRequest, json: boolean): Promise<void> {
  const result = await requestDaemon<string | SoftInView>(socketOf(program), request);
  const text = typeof result === 'string' ? result : result.message;
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${text}\n`);
}

function neighborRequest(peer: string, action: string, words: readonly string[]): ControlRequest {
  const message = words.length ? { message: words.join(' ') } : {};
  switch (action) {
    case 'shutdown': return { op: 'neighbor-shutdown', peer, ...message };
    case 'enable': return { op: 'neighbor-enable', peer };
    case 'reset': return { op: 'neighbor-reset', peer, ...message };
    case 'soft-in': return { op: 'neighbor-soft-in', peer };
    case 'refresh': {
      const direction = words[0];
      if (direction !== 'in' && direction !== 'out') throw new InputError(`neighbor ${peer} refresh: say in or out`);
      return { op: 'neighbor-refresh', peer, direction };
    }
    default:
      throw new InputError(`neighbor ${peer}: unknown action ${JSON.stringify(action)} (shutdown, enable, reset, refresh, soft-in)`);
  }
}

async function explain(program: Command, prefix: string, json: boolean): Promise<void> {
  const view = await requestDaemon<ExplainView>(socketOf(program), { op: 'explain', prefix });
  process.stdout.write(json ? `${JSON.stringify(view, null, 2)}\n` : renderExplain(view));
}

function addDaemonCommands(program: Command): void {
  const show = program.command('show').description('show the daemon\'s state');
  show
    .command('kernel')
    .description('FIB sync: routes wanted, installed, failed (with the kernel\'s error) or unresolved; the overlay')
    .option('--json', 'print JSON (the control protocol\'s KernelView)')
    .action(async (options: { json?: boolean }) => {
      const view = await requestDaemon<KernelView>(socketOf(program), { op: 'show-kernel' });
      process.stdout.write(options.json ? `${JSON.stringify(view, null, 2)}\n` : renderKernel(view));
    });
  show
    .command('routes')
    .alias('route')
    .description('the Loc-RIB\'s best routes; with a prefix or address, every candidate path and why the best won')
    .argument('[prefix]', 'a prefix (10.0.0.0/24) or an address (longest match)')
    .option('--family <family>', 'ipv4 or ipv6 only')
    .option('--limit <n>', 'at most this many routes per family (default 1000)')
    .option('--json', 'print JSON (RoutesView, or ExplainView with a prefix)')
    .action(async (prefix: string | undefined, options: { family?: string; limit?: string; json?: boolean }) => {
      if (prefix) return explain(program, prefix, Boolean(options.json));
      const family = options.family === undefined ? undefined : options.family === 'ipv4' ? 'ipv4-unicast' : options.family === 'ipv6' ? 'ipv6-unicast' : null;
      if (family === null) throw new InputError(`--family: expected ipv4 or ipv6, got ${JSON.stringify(options.family)}`);
      const limit = options.limit === undefined ? undefined : Number(options.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new InputError(`--limit: expected a positive integer, got ${JSON.stringify(options.limit)}`);
      const view = await requestDaemon<RoutesView>(socketOf(program), { op: 'show-routes', ...(family ? { family } : {}), ...(limit ? { limit } : {}) });
      process.stdout.write(options.json ? `${JSON.stringify(view, null, 2)}\n` : renderRoutes(view));
    });
  show
    .command('neighbors')
    .alias('neighbor')
    .description('every neighbour: state, uptime, prefixes received, why it last went down')
    .option('--json', 'print JSON (the control protocol\'s NeighborView objects)')
    .action(async (options: { json?: boolean }) => {
      const neighbors = await requestDaemon<NeighborView[]>(socketOf(program), { op: 'show-neighbors' });
      process.stdout.write(options.json ? `${JSON.stringify(neighbors, null, 2)}\n` : renderNeighbors(neighbors));
    });
  program
    .command('explain')
    .description('every candidate path of a prefix, the winner and the deciding step, why each other lost, what import '
      + 'policy did to each (routes it rejected too, when kept), whether each peer is sent the best and why, the kernel\'s state')
    .argument('<prefix>', 'a prefix (10.0.0.0/24) or an address (longest match)')
    .option('--json', 'print JSON (the control protocol\'s ExplainView)')
    .action(async (prefix: string, options: { json?: boolean }) => explain(program, prefix, Boolean(options.json)));
  program
    .command('neighbor')
    .description('act on one neighbour: shutdown [message], enable, reset [message], refresh in|out, '
      + 'soft-in (import policy again over its routes as received; ROUTE-REFRESH when they are not kept)')
    .argument('<address>', 'the neighbour (its configured address)')
    .argument('<action>', 'shutdown | enable | reset | refresh | soft-in')
    .argument('[words...]', 'the RFC 9003 message for shutdown/reset; in or out for refresh')
    .option('--json', 'print the daemon\'s answer as JSON (a SoftInView for soft-in)')
    .action(async (peer: string, action: string, words: string[], options: { json?: boolean }) =>
      neighborAction(program, neighborRequest(peer, action, words), Boolean(options.json)));
}

export function buildProgram(): Command {
  const program = new Command('bgpctl').description('inspect and steer tern').version(TERN_VERSION)
    .option('--socket <path>', `ternd's control socket (default $TERN_CONTROL_SOCKET or ${DEFAULT_CONTROL_SOCKET})`);
  addDaemonCommands(program);
  program
    .command('decode')
    .description('decode BGP messages given as hex (arguments, --file, or one per line on stdin); prints JSON lines')
    .argument('[hex...]', 'messages as hex, marker included')
    .option('--as2', 'the session uses 2-octet AS numbers (no 4-octet AS capability on one side)')
    .option('--add-path <families>', 'families whose NLRI carry path identifiers: ipv4-unicast,ipv6-unicast')
    .option('--ext-message', 'RFC 8654 extended messages were negotiated (UPDATEs up to 65535 octets)')
    .option('--file <path>', 'read messages from a file, one hex message per line (# comments allowed)')
    .action(async (hexArgs: string[], options: DecodeOptions & { file?: string }) => {
      process.exitCode = await runDecode(hexArgs, options);
    });
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (e) {
    if (e instanceof ControlError) {
      process.stderr.write(`bgpctl: ${e.message}\n`);
      process.exitCode = 1;
      return;
    }
    if (e instanceof InputError || (e as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`bgpctl: ${(e as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}

await main();
