/** Text rasterisation shared by text sources and overlays: font, colour, outline, background box, wrapping, alignment. */
import type { SettingsOf } from '../../../../shared/scene/kinds';

export type TextSettings = SettingsOf<'text'>;

export interface TextLayout {
  lines: string[];
  width: number;
  height: number;
  pad: number;
  lineWidths: number[];
}

export function fontOf(s: Pick<TextSettings, 'italic' | 'fontWeight' | 'fontSize' | 'fontFamily'>): string {
  return `${s.italic ? 'italic ' : ''}${s.fontWeight} ${s.fontSize}px ${s.fontFamily}`;
}

/** Greedy wrapping by character (works for CJK without spaces) at `maxWidth` px. */
function wrapLine(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string[] {
  if (maxWidth <= 0 || ctx.measureText(text).width <= maxWidth) return [text];
  const out: string[] = [];
  let line = '';
  for (const ch of text) {
    if (line && ctx.measureText(line + ch).width > maxWidth) {
      out.push(line);
      line = ch.trimStart();
    } else line += ch;
  }
  out.push(line);
  return out;
}

export function layoutText(ctx: CanvasRenderingContext2D, s: TextSettings): TextLayout {
  ctx.font = fontOf(s);
  const lines = s.text.split('\n').flatMap((p) => wrapLine(ctx, p, s.wrapWidth));
  const lineWidths = lines.map((l) => ctx.measureText(l).width);
  const pad = (s.background ? s.backgroundPadding : 0) + s.outlineWidth;
  const content = s.wrapWidth > 0 ? s.wrapWidth : Math.max(1, ...lineWidths);
  return {
    lines,
    lineWidths,
    pad,
    width: Math.ceil(content + pad * 2),
    height: Math.ceil(lines.length * s.fontSize * s.lineHeight + pad * 2),
  };
}

/** Paint laid-out text at (ox, oy) (top-left of its box). */
export function paintText(ctx: CanvasRenderingContext2D, s: TextSettings, layout: TextLayout, ox = 0, oy = 0): void {
  const { pad, width, height } = layout;
  if (s.background) {
    ctx.fillStyle = s.background;
    ctx.fillRect(ox, oy, width, height);
  }
  ctx.font = fontOf(s);
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  ctx.lineJoin = 'round';
  const inner = width - pad * 2;
  const lh = s.fontSize * s.lineHeight;
  layout.lines.forEach((line, i) => {
    const lw = layout.lineWidths[i] ?? 0;
    const x = ox + pad + (s.align === 'center' ? (inner - lw) / 2 : s.align === 'right' ? inner - lw : 0);
    const y = oy + pad + lh * i + lh / 2;
    if (s.outlineWidth > 0) {
      ctx.strokeStyle = s.outlineColor;
      ctx.lineWidth = s.outlineWidth * 2;
      ctx.strokeText(line, x, y);
    }
    ctx.fillStyle = s.color;
    ctx.fillText(line, x, y);
  });
}
