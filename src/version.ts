/** The version printed by ternd and bgpctl. */
export const TERN_VERSION = '0.1.0';
