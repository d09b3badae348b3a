// Renders resources/icon.png (512x512) from an SVG with sharp. Run: node scripts/make-icon.mjs
import sharp from 'sharp';

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#ff3d6e"/><stop offset="1" stop-color="#ff8a3d"/></linearGradient></defs>
  <rect width="512" height="512" rx="112" fill="url(#g)"/>
  <circle cx="256" cy="236" r="120" fill="none" stroke="#fff" stroke-width="28"/>
  <polygon points="226,180 226,292 316,236" fill="#fff"/>
  <rect x="150" y="388" width="212" height="36" rx="18" fill="#fff" opacity="0.92"/>
</svg>`;
await sharp(Buffer.from(svg))
  .png()
  .toFile(new URL('../resources/icon.png', import.meta.url).pathname);
console.log('resources/icon.png written');
