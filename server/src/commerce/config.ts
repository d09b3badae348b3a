import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PaymentProviderName } from '../../../shared/commerce/payments';

const Pem = z
  .string()
  .min(64, 'PEM key expected')
  .refine((s) => s.includes('-----BEGIN'), 'PEM key expected');

export const StripeConfig = z.object({
  secretKey: z.string().min(8),
  webhookSecret: z.string().startsWith('whsec_'),
  /** Override the API host (e.g. a stripe-mock); defaults to api.stripe.com. */
  apiHost: z.string().optional(),
  apiPort: z.number().int().optional(),
  apiProtocol: z.enum(['http', 'https']).optional(),
});

export const AlipayConfig = z.object({
  appId: z.string().min(1),
  /** Merchant application private key (signs requests). */
  privateKeyPem: Pem,
  /** Alipay's public key (verifies notifications and responses). */
  alipayPublicKeyPem: Pem,
  gateway: z.string().url().default('https://openapi.alipay.com/gateway.do'),
  /** Oldest notify_time accepted. Alipay retries for 25 h (2m,10m,10m,1h,2h,6h,15h); the notify_id de-dup stops replays. */
  notifyMaxAgeMs: z
    .number()
    .int()
    .positive()
    .default(26 * 3600_000),
});

export const WechatPayConfig = z.object({
  mchId: z.string().min(1),
  appId: z.string().min(1),
  /** 32-byte APIv3 key (decrypts callback resources). */
  apiV3Key: z.string().length(32),
  merchantSerialNo: z.string().min(1),
  merchantPrivateKeyPem: Pem,
  /** WeChat Pay platform public keys by serial (platform certificate serial or PUB_KEY_ID_…). */
  platformPublicKeys: z.record(z.string(), Pem),
  apiBase: z.string().url().default('https://api.mch.weixin.qq.com'),
  toleranceSec: z.number().int().positive().default(300),
});

export const SandboxConfig = z.object({
  /**
   * Offer the embedded sandbox (no money moves). Omitted: on only when no real provider is configured, so a shop with
   * real providers never lets buyers "pay" with it by accident.
   */
  enabled: z.boolean().optional(),
  /** HMAC key the sandbox signs its webhooks with (derived from the session secret when omitted). */
  webhookSecret: z.string().min(16).optional(),
  toleranceSec: z.number().int().positive().default(300),
});

const REAL_PROVIDERS = ['stripe', 'alipay', 'wechatpay'] as const;

export const PaymentsConfig = z
  .object({
    /** The provider a buyer gets when they name none. Omitted: the first real provider configured, else the sandbox. */
    default: PaymentProviderName.optional(),
    sandbox: SandboxConfig.default({ toleranceSec: 300 }),
    stripe: StripeConfig.optional(),
    alipay: AlipayConfig.optional(),
    wechatpay: WechatPayConfig.optional(),
    /** A payment still pending this long (no webhook) is queried at its provider. */
    reconcileAfterSec: z.number().int().positive().default(60),
    /**
     * An unpaid order whose reservation lapsed while a payment was pending is held until its provider has been asked;
     * if the provider still reports it pending (or unknown) this long after the lapse, the payment is given up and the
     * order expires (a payment that still arrives later is refunded).
     */
    abandonAfterSec: z.number().int().positive().default(600),
  })
  .transform((c, ctx) => {
    const real = REAL_PROVIDERS.filter((p) => c[p] !== undefined);
    const enabled = c.sandbox.enabled ?? real.length === 0;
    if (!enabled && real.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'no payment provider: the sandbox is off and no real provider is configured' });
      return z.NEVER;
    }
    const offered = enabled ? ['sandbox', ...real] : real;
    const def = c.default ?? real[0] ?? 'sandbox';
    if (!offered.includes(def)) {
      ctx.addIssue({
        code: 'custom',
        path: ['default'],
        message:
          def === 'sandbox'
            ? 'the default provider is the sandbox, which is off (enable it with PAYMENTS_SANDBOX=1)'
            : `the default provider ${def} is not configured`,
      });
      return z.NEVER;
    }
    return { ...c, default: def, sandbox: { ...c.sandbox, enabled } };
  });
export type PaymentsConfig = z.input<typeof PaymentsConfig>;
export type ParsedPaymentsConfig = z.output<typeof PaymentsConfig>;

/** Key material: given inline, or as a path in `<NAME>_FILE`. */
const FILE_KEYS = [
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'ALIPAY_APP_ID',
  'ALIPAY_PRIVATE_KEY',
  'ALIPAY_PUBLIC_KEY',
  'WECHATPAY_MCH_ID',
  'WECHATPAY_APP_ID',
  'WECHATPAY_API_V3_KEY',
  'WECHATPAY_SERIAL_NO',
  'WECHATPAY_PRIVATE_KEY',
  'WECHATPAY_PLATFORM_SERIAL',
  'WECHATPAY_PLATFORM_PUBLIC_KEY',
] as const;

/** Every environment variable paymentsConfigFromEnv reads (the JSON config file accepts the same keys). */
export const PAYMENT_ENV_KEYS: readonly string[] = [
  'PAYMENTS_DEFAULT',
  'PAYMENTS_SANDBOX',
  'PAYMENTS_RECONCILE_AFTER_SEC',
  'PAYMENTS_ABANDON_AFTER_SEC',
  'ALIPAY_GATEWAY',
  ...FILE_KEYS,
  ...FILE_KEYS.map((k) => `${k}_FILE`),
];

function flag(name: string, v: string | undefined): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  if (/^(1|true|on|yes)$/i.test(v)) return true;
  if (/^(0|false|off|no)$/i.test(v)) return false;
  throw new Error(`${name} must be 1 or 0 (got ${JSON.stringify(v)})`);
}

function seconds(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1) throw new Error(`${name} must be a whole number of seconds ≥ 1 (got ${JSON.stringify(v)})`);
  return Number(v);
}

/**
 * Payments configuration from environment variables (PAYMENT_ENV_KEYS). Key material may be given inline or as a *_FILE
 * path. PAYMENTS_SANDBOX=1/0 switches the sandbox on/off (default: on only without a real provider);
 * PAYMENTS_RECONCILE_AFTER_SEC and PAYMENTS_ABANDON_AFTER_SEC tune reconciliation (see PaymentsConfig).
 */
export function paymentsConfigFromEnv(env: NodeJS.ProcessEnv): ParsedPaymentsConfig {
  const val = (k: (typeof FILE_KEYS)[number]): string | undefined => {
    const file = env[`${k}_FILE`];
    if (file) return readFileSync(file, 'utf8');
    return env[k] || undefined;
  };
  const sandbox = flag('PAYMENTS_SANDBOX', env.PAYMENTS_SANDBOX);
  const reconcileAfterSec = seconds('PAYMENTS_RECONCILE_AFTER_SEC', env.PAYMENTS_RECONCILE_AFTER_SEC);
  const abandonAfterSec = seconds('PAYMENTS_ABANDON_AFTER_SEC', env.PAYMENTS_ABANDON_AFTER_SEC);
  const cfg: Record<string, unknown> = {
    ...(env.PAYMENTS_DEFAULT ? { default: env.PAYMENTS_DEFAULT } : {}),
    ...(sandbox !== undefined ? { sandbox: { enabled: sandbox } } : {}),
    ...(reconcileAfterSec !== undefined ? { reconcileAfterSec } : {}),
    ...(abandonAfterSec !== undefined ? { abandonAfterSec } : {}),
  };
  if (val('STRIPE_SECRET_KEY')) cfg.stripe = { secretKey: val('STRIPE_SECRET_KEY'), webhookSecret: val('STRIPE_WEBHOOK_SECRET') };
  if (val('ALIPAY_APP_ID')) {
    cfg.alipay = {
      appId: val('ALIPAY_APP_ID'),
      privateKeyPem: val('ALIPAY_PRIVATE_KEY'),
      alipayPublicKeyPem: val('ALIPAY_PUBLIC_KEY'),
      ...(env.ALIPAY_GATEWAY ? { gateway: env.ALIPAY_GATEWAY } : {}),
    };
  }
  if (val('WECHATPAY_MCH_ID')) {
    cfg.wechatpay = {
      mchId: val('WECHATPAY_MCH_ID'),
      appId: val('WECHATPAY_APP_ID'),
      apiV3Key: val('WECHATPAY_API_V3_KEY'),
      merchantSerialNo: val('WECHATPAY_SERIAL_NO'),
      merchantPrivateKeyPem: val('WECHATPAY_PRIVATE_KEY'),
      platformPublicKeys: { [val('WECHATPAY_PLATFORM_SERIAL') ?? '']: val('WECHATPAY_PLATFORM_PUBLIC_KEY') },
    };
  }
  return PaymentsConfig.parse(cfg);
}
