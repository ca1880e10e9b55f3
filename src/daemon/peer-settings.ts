/**
 * Configuration → what the BGP layer runs: one resolved peer config becomes the FSM configuration and the
 * connection settings of a `Peer`. Defaults for timers the config file does not expose live here.
 */
import type { FsmConfig } from '../bgp/fsm.js';
import type { LocalOffer } from '../bgp/negotiate.js';
import type { PeerSettings } from '../bgp/peer.js';
import type { PeerConfig, TernConfig } from '../config/schema.js';

/** Hold time while waiting for the peer's OPEN (RFC 4271 §8.2.2: "suggested value ... 4 minutes"). */
const LARGE_HOLD_TIME = 240;
/** Automatic restart after an error: first wait, doubling per consecutive failure, capped (BIRD: 60–300 s). */
const IDLE_HOLD_TIME = 5;
const IDLE_HOLD_MAX = 300;
/** Output waiting in one socket beyond which the session is reset (a full table is ~100 MB at worst). */
const MAX_QUEUED_BYTES = 256 * 1024 * 1024;

/**
 * What our OPENs say about a restart (RFC 4724 §3, §4.1): while ternd is restarting, the Restart State (R) bit
 * and, with it, the Forwarding State (F) bit of every family (forwarding state kept across this restart);
 * neither once the restart is over. BIRD ties both to its recovery phase the same way.
 */
export function restartState(restarting: boolean): { restarting: boolean; forwardingPreserved: boolean } {
  return { restarting, forwardingPreserved: restarting };
}

export function localOffer(config: TernConfig, peer: PeerConfig, restarting: boolean): LocalOffer {
  const gr = config.gracefulRestart;
  return {
    asn: peer.localAs,
    routerId: config.routerId,
    holdTime: peer.holdTime,
    ...(peer.keepaliveTime > 0 ? { keepaliveTime: peer.keepaliveTime } : {}),
    families: peer.families,
    addPath: peer.addPath,
    extendedNextHop: peer.extendedNextHop,
    extendedMessage: peer.extendedMessage,
    ...(gr.enabled ? { gracefulRestart: { restartTime: gr.restartTime, ...restartState(restarting) } } : {}),
    ...(config.hostname ? { hostname: config.hostname } : {}),
  };
}

export function peerSettings(config: TernConfig, peer: PeerConfig, options: { dynamic: boolean; restarting: boolean; remoteAs?: readonly number[] | 'any' }): PeerSettings {
  const fsm: FsmConfig = {
    offer: localOffer(config, peer, options.restarting),
    expect: { remoteAs: options.remoteAs ?? peer.remoteAs, requiredCapabilities: peer.requireCapabilities },
    passive: peer.passive || options.dynamic,
    connectRetryTime: peer.connectRetryTime,
    delayOpenTime: peer.delayOpen,
    largeHoldTime: LARGE_HOLD_TIME,
    idleHoldTime: Math.min(IDLE_HOLD_TIME, peer.connectRetryTime),
    idleHoldMax: IDLE_HOLD_MAX,
    allowAutomaticStart: true,
  };
  return {
    key: peer.address,
    address: peer.address,
    port: peer.port,
    ...(peer.sourceAddress ? { localAddress: peer.sourceAddress } : {}),
    ...(peer.description ? { description: peer.description } : {}),
    fsm,
    maxQueuedBytes: MAX_QUEUED_BYTES,
    dynamic: options.dynamic,
    routeReflectorClient: peer.routeReflectorClient,
    ttl: peer.multihop,
    ...(peer.maxPrefix ? { maxPrefix: peer.maxPrefix } : {}),
    ...(peer.advertisementInterval > 0 ? { advertisementInterval: peer.advertisementInterval } : {}),
    ...(peer.removePrivateAs ? { removePrivateAs: peer.removePrivateAs } : {}),
    addPathSend: peer.addPathSend,
  };
}
