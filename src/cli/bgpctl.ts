#!/usr/bin/env node
/**
 * bgpctl: the operator's command line. `decode` works offline on hex captures; commands that talk to a
 * running ternd arrive with the control socket.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { contextFromOptions, decodeAll, InputError, messageLines, parseHex, type DecodeOptions } from './decode-command.js';
import { TERN_VERSION } from '../version.js';

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

export function buildProgram(): Command {
  const program = new Command('bgpctl').description('inspect and steer tern').version(TERN_VERSION);
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
    if (e instanceof InputError || (e as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`bgpctl: ${(e as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}

await main();
