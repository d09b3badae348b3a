export * from './catalog';
export * from './common';
export * from './coupons';
export * from './events';
export * from './orders';
export * from './payments';
export * from './sales';
