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
  /** HMAC key the sandbox signs its webhooks with (derived from the session secret when omitted). */
  webhookSecret: z.string().min(16).optional(),
  toleranceSec: z.number().int().positive().default(300),
});

export const PaymentsConfig = z.object({
  default: PaymentProviderName.default('sandbox'),
  sandbox: SandboxConfig.default({ toleranceSec: 300 }),
  stripe: StripeConfig.optional(),
  alipay: AlipayConfig.optional(),
  wechatpay: WechatPayConfig.optional(),
});
export type PaymentsConfig = z.input<typeof PaymentsConfig>;
export type ParsedPaymentsConfig = z.output<typeof PaymentsConfig>;

/**
 * Payments configuration from environment variables. Key material may be given inline or as a *_FILE path.
 * Variables: PAYMENTS_DEFAULT; STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET; ALIPAY_APP_ID, ALIPAY_PRIVATE_KEY, ALIPAY_PUBLIC_KEY;
 * WECHATPAY_MCH_ID, WECHATPAY_APP_ID, WECHATPAY_API_V3_KEY, WECHATPAY_SERIAL_NO, WECHATPAY_PRIVATE_KEY,
 * WECHATPAY_PLATFORM_SERIAL, WECHATPAY_PLATFORM_PUBLIC_KEY.
 */
export function paymentsConfigFromEnv(env: NodeJS.ProcessEnv): PaymentsConfig {
  const val = (k: string): string | undefined => {
    const file = env[`${k}_FILE`];
    if (file) return readFileSync(file, 'utf8');
    return env[k] || undefined;
  };
  const cfg: Record<string, unknown> = { default: env.PAYMENTS_DEFAULT || 'sandbox' };
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
