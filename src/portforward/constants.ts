/** Value of X-Stream-Protocol-Version for SPDY port-forward. */
export const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';
/** WebSocket subprotocol of the SPDY tunnel (KEP-4006). */
export const TUNNEL_SUBPROTOCOL = 'SPDY/3.1+portforward.k8s.io';
/** Legacy WebSocket channel protocols the kubelet accepts for port-forward. */
export const V4_SUBPROTOCOL = 'v4.channel.k8s.io';
export const V4_BASE64_SUBPROTOCOL = 'v4.base64.channel.k8s.io';
