/** 13812345678 → 138****5678; +14155550123 → +141****0123. */
export function maskPhone(phone: string): string {
  if (phone.length <= 7) return `${phone.slice(0, 1)}****`;
  return `${phone.slice(0, phone.startsWith('+') ? 4 : 3)}****${phone.slice(-4)}`;
}

/** 张三丰 → 张**; Alice Smith → A**** ****. Keeps the first character only. */
export function maskName(name: string): string {
  const chars = Array.from(name);
  return (
    chars[0] +
    chars
      .slice(1)
      .map((c) => (c === ' ' ? ' ' : '*'))
      .join('')
  );
}

/** Keep the first 6 characters (province/city level), hide the rest. */
export function maskAddress(address: string): string {
  const chars = Array.from(address);
  if (chars.length <= 6) return `${chars.slice(0, 2).join('')}****`;
  return `${chars.slice(0, 6).join('')}****`;
}
