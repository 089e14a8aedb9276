// Colours and grids: the diverging scale every view uses, and the base64 grids Python sends.
// (page.py inlines the page's scripts, in order, into one function: they share its scope.)
const $ = (id) => document.getElementById(id);

// TensorFlow Playground's scale: orange at -1, near-white at 0, blue at +1.
const NEG = [245, 147, 34], MID = [232, 234, 235], POS = [8, 119, 189];
function scaleRgb(t) {
  const u = Math.max(-1, Math.min(1, t)), end = u < 0 ? NEG : POS, f = Math.abs(u);
  return MID.map((c, k) => Math.round(c + (end[k] - c) * f));
}
const rgbText = (rgb) => `rgb(${rgb.join(",")})`;
const NEG_TEXT = rgbText(NEG), POS_TEXT = rgbText(POS);

// A colour for each byte 0..255 of a grid: byte b stands for the value lo + (hi - lo) * b / 255,
// coloured on the scale centred at `centre` with `half` its half-width. Each colour is an RGBA
// pixel read as one 32-bit word, so painting copies one word per cell (in any byte order).
function colourTable(lo, hi, centre, half) {
  const rgba = new Uint8ClampedArray(256 * 4);
  for (let b = 0; b < 256; b++) {
    const value = lo + ((hi - lo) * b) / 255, rgb = scaleRgb(half > 0 ? (value - centre) / half : 0);
    rgba.set([rgb[0], rgb[1], rgb[2], 255], b * 4);
  }
  return new Uint32Array(rgba.buffer);
}
// The output probability p = byte / 255: 0.5 (undecided) is white, label 0 orange, label 1 blue.
const PROBABILITY = colourTable(0, 1, 0.5, 0.5);

function decodeBytes(base64) {
  const text = atob(base64), bytes = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k);
  return bytes;
}

// Paints a square grid of bytes (row 0 at the top) into `canvas`, one pixel per cell; the canvas's
// CSS size scales it up, smoothly, like TensorFlow Playground's heatmaps.
function paintGrid(canvas, base64, n, table) {
  const bytes = decodeBytes(base64);
  if (bytes.length !== n * n) throw new Error(`a grid of ${bytes.length} cells, expected ${n}×${n}`);
  if (canvas.width !== n) { canvas.width = n; canvas.height = n; }
  const ctx = canvas.getContext("2d"), image = ctx.createImageData(n, n), px = new Uint32Array(image.data.buffer);
  for (let k = 0; k < bytes.length; k++) px[k] = table[bytes[k]];
  ctx.putImageData(image, 0, 0);
}

// Numbers as the page prints them: 4 significant digits, no exponent for everyday sizes.
function fmt(x, digits = 4) {
  if (x === null || x === undefined) return "–";
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(digits - 1).replace(/\.?0+e/, "e");  // 1.5e-4
  return String(+x.toPrecision(digits));
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  node.append(...children);  // strings become text nodes: nothing is parsed as HTML
  return node;
}
const SVG_NS = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  node.append(...children);
  return node;
}
