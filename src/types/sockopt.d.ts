// Types for the `sockopt` package (setsockopt/getsockopt on Node sockets), which ships none.
declare module 'sockopt' {
  import type { Socket } from 'node:net';
  export function setsockopt(socket: Socket, level: number, option: number, value: number): void;
  export function getsockopt(socket: Socket, level: number, option: number): number;
}
