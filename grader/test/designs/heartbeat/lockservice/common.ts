// heartbeat: besides forwarding each operation, the primary pings the backup every 10 ms,
// whether or not there are requests. A ping that finds the backup unreachable tells the
// primary, before any forward, that it is alone. The backup counts the pings it gets.

export interface OpRequest {
  kind: 'lock' | 'unlock';
  name: string;
  client: string;
  seq: number;
}

export interface OpReply {
  ok: boolean;
}

export interface Ping {
  beat: number;
}

export const PING_EVERY_MS = 10;
export const PING_TIMEOUT_MS = 100;
export const MIRROR_TIMEOUT_MS = 150;
export const CLIENT_TIMEOUT_MS = 400;
