import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { MinusIcon, PlusIcon } from './icons';

/** − [n] + bounded by 1‥max; typing is allowed and clamped on blur / Enter. */
export function QtyStepper({
  value,
  max,
  onChange,
  testId,
  disabled,
  min = 1,
}: {
  value: number;
  max: number;
  onChange: (qty: number) => void;
  testId: string;
  disabled?: boolean;
  min?: number;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  const commit = () => {
    const n = Number.parseInt(text, 10);
    const next = Number.isFinite(n) ? Math.max(min, Math.min(max, n)) : value;
    setText(String(next));
    if (next !== value) onChange(next);
  };
  return (
    <div className={`stepper${disabled ? ' stepper--disabled' : ''}`}>
      <button
        type="button"
        aria-label={t('shop.qtyLess')}
        disabled={disabled || value <= min}
        onClick={() => onChange(Math.max(min, value - 1))}
        data-testid={`${testId}-minus`}
      >
        <MinusIcon width={16} height={16} />
      </button>
      <input
        type="text"
        inputMode="numeric"
        pattern="[0-9]*"
        aria-label={t('shop.qty')}
        value={text}
        disabled={disabled}
        onChange={(e) => {
          const digits = e.target.value.replace(/\D/g, '').slice(0, 2);
          setText(digits);
          const n = Number.parseInt(digits, 10);
          if (n >= min && n <= max && n !== value) onChange(n);
        }}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
        data-testid={testId}
      />
      <button
        type="button"
        aria-label={t('shop.qtyMore')}
        disabled={disabled || value >= max}
        onClick={() => onChange(Math.min(max, value + 1))}
        data-testid={`${testId}-plus`}
      >
        <PlusIcon width={16} height={16} />
      </button>
    </div>
  );
}
