/**
 * Request/response + notification envelope used on every JSON message boundary
 * (signaling WebSocket, web-mode host channel). Each boundary defines a method map of zod schemas;
 * both ends import that map, so a method name or payload shape that does not exist fails to compile,
 * every method declares who may call it (checked before its payload is read), and every received payload is
 * validated before use.
 */
import { z } from 'zod';

export const ErrorCode = z.enum([
  'BAD_REQUEST', // malformed envelope or payload
  'UNKNOWN_METHOD',
  'UNAUTHORIZED', // not authenticated
  'FORBIDDEN', // authenticated but the role may not do this
  'NOT_FOUND',
  'CONFLICT', // e.g. a second studio for a live show
  'BAD_STATE', // out-of-order call
  'TOO_LARGE',
  'RATE_LIMITED',
  'UNAVAILABLE', // the server is at capacity (e.g. media transports): try again later
  'TIMEOUT',
  'DISCONNECTED',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const RpcErrorBody = z.object({ code: ErrorCode, message: z.string() });
export type RpcErrorBody = z.infer<typeof RpcErrorBody>;

export class RpcError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
  toBody(): RpcErrorBody {
    return { code: this.code, message: this.message };
  }
}

/**
 * WebSocket close code the server uses when the socket's media went away but the server did not (a mediasoup worker
 * died, a router closed): "service restart", come back now. Clients reconnect at once instead of backing off.
 */
export const CLOSE_SERVICE_RESTART = 1012;

/** Largest JSON text accepted on a signaling/host socket (SDP-derived parameters stay well below this). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export const RequestEnvelope = z.object({
  t: z.literal('req'),
  id: z.number().int().nonnegative(),
  method: z.string().min(1).max(64),
  data: z.unknown(),
});
/**
 * An error as received. A code this build does not know (a page cached from before a server upgrade) still fails the
 * request at once, as INTERNAL with the code in its message, instead of being dropped and left to time out.
 */
const ReceivedErrorBody = z
  .object({ code: z.string().max(64), message: z.string() })
  .transform(
    (b): RpcErrorBody =>
      ErrorCode.safeParse(b.code).success ? (b as RpcErrorBody) : { code: 'INTERNAL', message: `${b.code}: ${b.message}` },
  );
export const ResponseEnvelope = z.union([
  z.object({ t: z.literal('res'), id: z.number().int(), ok: z.literal(true), data: z.unknown() }),
  z.object({ t: z.literal('res'), id: z.number().int().nullable(), ok: z.literal(false), error: ReceivedErrorBody }),
]);
export const NotificationEnvelope = z.object({ t: z.literal('ntf'), method: z.string(), data: z.unknown() });
export const ServerEnvelope = z.union([ResponseEnvelope, NotificationEnvelope]);
export type RequestEnvelope = z.infer<typeof RequestEnvelope>;
export type ServerEnvelope = z.infer<typeof ServerEnvelope>;

/**
 * Roles a connection can hold. Each boundary says in its contract's header which of them its connections hold
 * (its role lattice); a role not named there never occurs on that boundary.
 */
export const Role = z.enum(['viewer', 'studio', 'staff', 'owner']);
export type Role = z.infer<typeof Role>;

/**
 * Who may call a method: `'any'` (every connection, also one that has not identified itself yet), one role, or a
 * list of roles (any of them). Declared by every method of every contract; checked by `dispatchRequest`.
 */
export const MethodCaller = z.union([z.literal('any'), Role, z.array(Role).nonempty().readonly()]);
export type MethodCaller = 'any' | Role | readonly [Role, ...Role[]];

export interface MethodSpec<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  /** Who may call it (required: a method without a declaration does not compile). */
  caller: MethodCaller;
  req: Req;
  res: Res;
}

/**
 * The connection a request arrives on, as its server sees it at that moment: the roles it holds (every role the
 * boundary's lattice implies, e.g. an owner also holds `staff`), or, before it has identified itself, what it must
 * do first (the UNAUTHORIZED message).
 */
export type Caller = { readonly roles: readonly Role[] } | { readonly unidentified: string };

/** The roles a declaration admits ([] for `'any'`). */
export function rolesOf(caller: MethodCaller): readonly Role[] {
  if (caller === 'any') return [];
  return typeof caller === 'string' ? [caller] : caller;
}

/** Why `caller` may not call a method declared `declared` (null: it may). */
export function refusal(declared: MethodCaller, caller: Caller): RpcErrorBody | null {
  if (declared === 'any') return null;
  if ('unidentified' in caller) return { code: 'UNAUTHORIZED', message: caller.unidentified };
  const allowed = rolesOf(declared);
  if (allowed.some((r) => caller.roles.includes(r))) return null;
  return { code: 'FORBIDDEN', message: `only ${allowed.join(' or ')} may call this` };
}

export type MethodMap = Record<string, MethodSpec>;
export type NotificationMap = Record<string, z.ZodType>;

export type ReqOf<M extends MethodMap, K extends keyof M> = z.input<M[K]['req']>;
export type ParsedReqOf<M extends MethodMap, K extends keyof M> = z.output<M[K]['req']>;
export type ResOf<M extends MethodMap, K extends keyof M> = z.output<M[K]['res']>;
export type NtfOf<N extends NotificationMap, K extends keyof N> = z.output<N[K]>;

/** Server side: handlers for every method of a map, receiving validated input. */
export type Handlers<M extends MethodMap, Ctx> = {
  [K in keyof M]: (data: ParsedReqOf<M, K>, ctx: Ctx) => Promise<z.input<M[K]['res']>> | z.input<M[K]['res']>;
};

function issueText(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * Parse one incoming text frame as a request, check that `caller` may call the method (its declared `caller`),
 * validate its payload against the map and run the handler. The role check comes before the payload is looked at,
 * so a caller without the role learns nothing about the method's schema and no handler runs for it.
 * Returns the response envelope to send. Never throws: every failure becomes a typed error reply.
 */
export async function dispatchRequest<M extends MethodMap, Ctx>(
  map: M,
  handlers: Handlers<M, Ctx>,
  text: string,
  ctx: Ctx,
  /** Who sent this frame, as the server sees the connection now. */
  caller: Caller,
  onInternalError?: (err: unknown, method: string) => void,
  /** Largest text accepted (the host channel allows scene collections; every other boundary keeps the default). */
  maxBytes: number = MAX_MESSAGE_BYTES,
): Promise<ServerEnvelope> {
  if (text.length > maxBytes) {
    return { t: 'res', id: null, ok: false, error: { code: 'TOO_LARGE', message: `message exceeds ${maxBytes} bytes` } };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { t: 'res', id: null, ok: false, error: { code: 'BAD_REQUEST', message: 'message is not valid JSON' } };
  }
  const env = RequestEnvelope.safeParse(raw);
  if (!env.success) {
    const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : null;
    return { t: 'res', id, ok: false, error: { code: 'BAD_REQUEST', message: `bad envelope: ${issueText(env.error)}` } };
  }
  const { id, method, data } = env.data;
  if (!Object.hasOwn(map, method)) {
    return { t: 'res', id, ok: false, error: { code: 'UNKNOWN_METHOD', message: `unknown method "${method}"` } };
  }
  const spec = map[method] as MethodSpec;
  const refused = refusal(spec.caller, caller);
  if (refused) return { t: 'res', id, ok: false, error: { code: refused.code, message: `${method}: ${refused.message}` } };
  const parsed = spec.req.safeParse(data ?? {});
  if (!parsed.success) {
    return { t: 'res', id, ok: false, error: { code: 'BAD_REQUEST', message: `${method}: ${issueText(parsed.error)}` } };
  }
  try {
    const handler = handlers[method as keyof M] as (d: unknown, c: Ctx) => unknown;
    const result = await handler(parsed.data, ctx);
    return { t: 'res', id, ok: true, data: result ?? {} };
  } catch (err) {
    if (err instanceof RpcError) return { t: 'res', id, ok: false, error: err.toBody() };
    onInternalError?.(err, method);
    return { t: 'res', id, ok: false, error: { code: 'INTERNAL', message: `${method} failed` } };
  }
}

/** Minimal socket the client needs: a browser WebSocket, a `ws` WebSocket and the Electron bridge all fit. */
export interface TextSocket {
  send(text: string): void;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
  method: string;
}

/**
 * Client side of a method map: typed `request()` and `on()` for notifications.
 * Responses are validated against the map before they reach the caller.
 */
export class RpcClient<M extends MethodMap, N extends NotificationMap> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(data: unknown) => void>>();
  private socket: TextSocket | null = null;

  constructor(
    private readonly methods: M,
    private readonly notifications: N,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Attach a (new) open socket. Pending requests of a previous socket were already failed by detach(). */
  attach(socket: TextSocket): void {
    this.socket = socket;
  }

  /** The socket closed: fail everything in flight. */
  detach(reason = 'connection closed'): void {
    this.socket = null;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RpcError('DISCONNECTED', `${p.method}: ${reason}`));
      this.pending.delete(id);
    }
  }

  get connected(): boolean {
    return this.socket !== null;
  }

  request<K extends keyof M & string>(method: K, data: ReqOf<M, K>): Promise<ResOf<M, K>> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new RpcError('DISCONNECTED', `${method}: not connected`));
    const id = this.nextId++;
    return new Promise<ResOf<M, K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcError('TIMEOUT', `${method}: no reply within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, {
        method,
        timer,
        reject,
        resolve: (raw) => {
          const parsed = this.methods[method]!.res.safeParse(raw);
          if (parsed.success) resolve(parsed.data as ResOf<M, K>);
          else reject(new RpcError('BAD_REQUEST', `${method}: malformed reply: ${issueText(parsed.error)}`));
        },
      });
      try {
        socket.send(JSON.stringify({ t: 'req', id, method, data }));
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new RpcError('DISCONNECTED', `${method}: send failed: ${String(err)}`));
      }
    });
  }

  on<K extends keyof N & string>(method: K, fn: (data: NtfOf<N, K>) => void): () => void {
    let set = this.listeners.get(method);
    if (!set) {
      set = new Set();
      this.listeners.set(method, set);
    }
    const cb = fn as (data: unknown) => void;
    set.add(cb);
    return () => set.delete(cb);
  }

  /** Feed one received text frame. Returns false if it was not a valid envelope. */
  handleMessage(text: string): boolean {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return false;
    }
    const env = ServerEnvelope.safeParse(raw);
    if (!env.success) return false;
    const msg = env.data;
    if (msg.t === 'res') {
      if (msg.id === null) return true; // an error about a frame the server could not attribute
      const p = this.pending.get(msg.id);
      if (!p) return true;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.data);
      else p.reject(new RpcError(msg.error.code, msg.error.message));
      return true;
    }
    const schema = this.notifications[msg.method];
    if (!schema) return false;
    const parsed = schema.safeParse(msg.data);
    if (!parsed.success) return false;
    for (const fn of this.listeners.get(msg.method) ?? []) fn(parsed.data);
    return true;
  }
}

/** Build a notification envelope (server side), typed against the map. */
export function notification<N extends NotificationMap, K extends keyof N & string>(_map: N, method: K, data: z.input<N[K]>): string {
  return JSON.stringify({ t: 'ntf', method, data });
}
