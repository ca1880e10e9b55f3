/**
 * Why a session left Established or a connection went back to Idle: a named code for machines and a sentence
 * for people, kept on the peer and shown by `bgpctl show neighbor` (as GoBGP and BIRD do).
 */
export type DownCode =
  | 'admin-down'
  | 'admin-reset'
  | 'hold-timer-expired'
  | 'notification-received'
  | 'open-error'
  | 'update-error'
  | 'header-error'
  | 'fsm-error'
  | 'tcp-connect-failed'
  | 'tcp-closed'
  | 'connection-collision'
  | 'max-prefix'
  | 'output-queue-full'
  | 'peer-deconfigured';

export interface NotificationInfo {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  /** RFC 9003 shutdown communication, when there is one. */
  readonly message?: string;
}

export interface DownReason {
  readonly code: DownCode;
  readonly detail: string;
  /** The NOTIFICATION we sent or received, if any. */
  readonly sent?: NotificationInfo;
  readonly received?: NotificationInfo;
}
