// 2-D convolution as an implicit GEMM: the column matrix of im2col is never stored. A chunk of
// images is seen as cols = images x oh*ow pixel columns and K = cIn*kh*kw taps, and
//   forward          out[o, px]  = Σ_k W[o, k] · X(k, px)          rows o,  depth k
//   backward input   dX(k, px)  += Σ_o W[o, k] · dY[o, px]         rows k,  depth o
//   backward weight  dW[o, k]   += Σ_px X(k, px) · dY[o, px]        rows k,  depth px
// where X(k, px) = xpad[pix(px) + off(k)]: pix is where the pixel's window starts in the
// (zero-padded) input, off where tap k sits in the window. Each pass packs its operands into
// the panels of a 4x8 register tile, as the GEMM in matmul.ts does (A: 4 rows per step; B: 8
// columns per step), but the packing reads the image directly, and the
// tile is stored where the layout wants it: into NCHW output rows, added into the input gradient
// at the 8 window positions, or transposed into dW. Panels of 8 pixels run straight across rows
// and images; a panel whose pixels are not consecutive in memory takes a scalar path.
// Padding is applied by copying a chunk of images into a zero-bordered buffer. The one
// exception to the unstored column matrix: the weight gradient of a layer with few taps
// (weightGradDirect) stores it for a block of one image's pixels, which stays in L1.

import { madd, maddIf, MR, NR, roundUp, storeTransposed } from './tile';

const NC = 512; // pixel columns per block: the output block stays in L2 across depth blocks
const A_BLOCK = 320 << 10; // bytes of packed weights per block (stays in L2)
const PAD_BLOCK = 512 << 10; // bytes of a padded chunk of images (at least one image)
const KCW = 256; // pixels per depth block of the weight gradient
const NCW = 128; // channels per block of the weight gradient (its packed dY stays in L2)

/** Depth of each block when d is split evenly into blocks of at most dMax, rounded up to 4. */
@inline function depthBlock(d: i32, dMax: i32): i32 {
  const blocks = (d + dMax - 1) / dMax;
  return roundUp((d + blocks - 1) / blocks, 4);
}

// Geometry of the current call (set by setGeometry; kernels are not re-entrant per instance).
let gCin = 0, gHp = 0, gWp = 0, gKh = 0, gKw = 0, gSh = 0, gSw = 0, gOh = 0, gOw = 0;
let gH = 0, gW = 0, gPh = 0, gPw = 0, gCout = 0, gK = 0, gP = 0, gPlane = 0, gPadded = false;
// The input gradient running as a forward pass over dY with the weights flipped (see prepare).
let gFlip = false;
// Scratch layout: tap offsets, per-column pixel offsets, tile, packed A, packed B, padded chunk.
let sOff: usize = 0, sTap: usize = 0, sPix: usize = 0, sOut: usize = 0, sTile: usize = 0;
let sA: usize = 0, sB: usize = 0, sPad: usize = 0, sBias: usize = 0, sAcc: usize = 0;
let sCol: usize = 0; // the direct weight gradient's block of the column matrix
let gMc = 0, gKc = 0, gBlk = 0;
// Rows per register tile: MR, or 3 for the scattering input gradient (see tileRows).
let gRows = MR;
// Elements of the padded chunk and the largest tap offset: bounds for reads past a run's end.
let gChunkLen = 0, gOffMax = 0;

function setGeometry(
  cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
): void {
  gCin = cIn;
  gH = h;
  gW = w;
  gPh = ph;
  gPw = pw;
  gHp = h + 2 * ph;
  gWp = w + 2 * pw;
  gKh = kh;
  gKw = kw;
  gSh = sh;
  gSw = sw;
  gOh = (gHp - kh) / sh + 1;
  gOw = (gWp - kw) / sw + 1;
  gCout = cOut;
  gK = cIn * kh * kw;
  gP = gOh * gOw;
  gPlane = cIn * gHp * gWp;
  gPadded = ph != 0 || pw != 0;
}

const PASS_FORWARD = 0;
const PASS_INPUT = 1;
const PASS_WEIGHT = 2;

/**
 * Lays the scratch out from `base` for one pass over chunks of `chunk` images and returns its
 * end: tap offsets, column records, the edge tile, packed A, packed B, the padded chunk and
 * (weight gradient) the bias gradient's f64 sums and the direct path's accumulators.
 */
function layout(pass: i32, chunk: i32, base: usize): usize {
  const rows = pass == PASS_FORWARD ? gCout : gK;
  const depth = pass == PASS_FORWARD ? gK : gCout;
  gRows = pass == PASS_INPUT ? tileRows(gK) : MR;
  // Each tile of gRows rows takes a micro-panel of MR rows.
  gMc = gRows == MR ? min(roundUp(rows, MR), 128) : ((rows + gRows - 1) / gRows) * MR;
  gKc = pass == PASS_WEIGHT ? KCW : depthBlock(depth, max(16, (A_BLOCK / (gMc * 4)) & ~3));
  const cols = pass == PASS_WEIGHT ? KCW : NR;
  sOff = base;
  sTap = sOff + (<usize>roundUp(gK, 4) << 2);
  sPix = sTap + (<usize>roundUp(gK, 4) << 2);
  sOut = sPix + (<usize>cols << 2);
  sTile = sOut + (<usize>cols << 2);
  sA = sTile + MR * NR * 4;
  sB = sA + (pass == PASS_WEIGHT ? <usize>(MR * KCW * 4) : <usize>gMc * <usize>gKc * 4);
  sPad = sB + (<usize>(pass == PASS_WEIGHT ? min(roundUp(gCout, NR), NCW) * KCW : gKc * NR) << 2);
  sBias = sPad + (gPadded ? (<usize>chunk * <usize>gPlane) << 2 : 0);
  sAcc = sBias + (pass == PASS_WEIGHT ? <usize>roundUp(gCout, 2) << 3 : 0);
  const direct = pass == PASS_WEIGHT && directWeight();
  gBlk = direct ? colBlock() : 0;
  sCol = sAcc + (direct ? <usize>accTiles() * ACC_BYTES : 0);
  return sCol + (<usize>(gK * gBlk) << 2);
}

/**
 * Fills the tap table: row r of the tap dimension is tap sTap[r] = (ci*kh + ki)*kw + kj of the
 * weights, whose window position is sOff[r] = (ci*Hp + ki)*Wp + kj. The order is natural, except
 * for the scattering input gradient (byChannel): there consecutive rows (a register tile of 3
 * or 4) are the same (ki, kj) in up to 4 channels, or with fewer channels the same kj, so that
 * the tile's rows add into windows that do not overlap (an add that reads a window the previous
 * row has just stored, shifted by one float, waits for that store to reach the cache).
 */
function fillOffsets(byChannel: bool): void {
  gOffMax = 0;
  if (!byChannel) {
    for (let k = 0; k < gK; k++) addTap(k, k);
    return;
  }
  let r = 0;
  for (let c0 = 0; c0 < gCin; c0 += 4) {
    for (let kj = 0; kj < gKw; kj++) {
      for (let ki = 0; ki < gKh; ki++) {
        for (let ci = c0; ci < min(gCin, c0 + 4); ci++) addTap(r++, (ci * gKh + ki) * gKw + kj);
      }
    }
  }
}

/** Row r of the tap dimension is tap k = (ci*kh + ki)*kw + kj of the weights. */
function addTap(r: i32, k: i32): void {
  const taps = gKh * gKw;
  const ci = k / taps;
  const ki = (k - ci * taps) / gKw;
  const kj = k - ci * taps - ki * gKw;
  const off = (ci * gHp + ki) * gWp + kj;
  store<i32>(sOff + (<usize>r << 2), off);
  store<i32>(sTap + (<usize>r << 2), k);
  gOffMax = max(gOffMax, off);
}

/**
 * Rows per register tile of the scattering input gradient (rows = k taps): 3 when the taps
 * come in threes that tiles of 4 would pad, as a 3x3 kernel over 1-3 input channels does (9
 * taps as 3+3+3 rather than 4+4+1, and with cIn = 1 the rows of a 4-row tile would overlap in
 * their windows, so each row's add would wait for the previous row's store). A 3 x 8 tile does
 * as many multiply-adds per cycle as a 4 x 8 one, so only the padding changes. Up to 48 taps,
 * so that all rows fit one block of packed weights (layout does not cap gMc for 3-row tiles).
 */
@inline function tileRows(k: i32): i32 {
  return k % 3 == 0 && k % MR != 0 && k <= 48 ? 3 : MR;
}

/**
 * Sets the geometry for `pass` and returns the pass to run. The input gradient of a stride-1
 * convolution is itself a convolution: dX = dY (padded by kh-1-ph, kw-1-pw) convolved with
 * W flipped in both spatial axes and with its channel axes exchanged. Run as a forward pass,
 * its tiles are plain stores into dX rather than additions into overlapping windows, which pays
 * unless the extra padding adds many zero products or the rows (cIn) fill few register tiles.
 */
function prepare(
  pass: i32, cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
): i32 {
  setGeometry(cIn, h, w, cOut, kh, kw, sh, sw, ph, pw);
  gFlip = false;
  if (pass != PASS_INPUT || sh != 1 || sw != 1 || ph >= kh || pw >= kw) return pass;
  // Products per image as a forward pass over dY (cIn rows padded to tiles) against the
  // products of the scatter form (K rows padded to tiles), which costs ~20% more per product.
  const asForward = <f64>(h * w) * <f64>roundUp(cIn, MR) / <f64>cIn;
  const scatter = 1.2 * <f64>gP * <f64>roundUp(gK, tileRows(gK)) / <f64>gK;
  if (asForward > scatter) return pass;
  setGeometry(cOut, gOh, gOw, cIn, kh, kw, 1, 1, kh - 1 - ph, kw - 1 - pw);
  gFlip = true;
  return PASS_FORWARD;
}

/**
 * Images per chunk: the whole batch when the tensors are read in place, else what fits
 * PAD_BLOCK; for the scattering input gradient (pass 1), a multiple of its column blocks.
 */
function chunkFor(n: i32, pass: i32): i32 {
  let c = gPadded ? max(1, min(n, PAD_BLOCK / (gPlane * 4))) : max(1, n);
  const ipb = imagesPerBlock();
  if (pass == PASS_INPUT && c > ipb) c -= c % ipb;
  return c;
}

/**
 * Whole images per column block of the scattering input gradient. Its tiles add into windows
 * in an order set by the blocks and panels, so blocks start at image boundaries: threads given
 * whole blocks of images then add in the order one call would.
 */
@inline function imagesPerBlock(): i32 {
  return max(1, NC / gP);
}

/**
 * Bytes of scratch that conv2d_f32 (pass 0), conv2d_backward_input_f32 (pass 1) or
 * conv2d_backward_weight_f32 (pass 2) need for a batch of n images.
 */
export function conv2d_scratch_bytes(
  pass: i32, n: i32, cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32,
): i32 {
  const run = prepare(pass, cIn, h, w, cOut, kh, kw, sh, sw, ph, pw);
  return <i32>layout(run, chunkFor(n, run), 0);
}

// --- pixel columns -------------------------------------------------------------------------

// The next pixel column: image t, output row oy, column ox of the current chunk.
let curT = 0, curOy = 0, curOx = 0;

/** Makes pixel column j of the chunk the next one. */
function seekColumn(j: i32): void {
  curT = j / gP;
  const p = j - curT * gP;
  curOy = p / gOw;
  curOx = p - curOy * gOw;
}

/**
 * Writes n column records and advances: sPix[i] = where the window of column i starts in the
 * padded chunk, sOut[i] = its offset in an NCHW [images, cOut, oh*ow] tensor for channel 0.
 */
function columns(n: i32): void {
  const outPlane = gCout * gP;
  for (let i = 0; i < n; i++) {
    store<i32>(sPix + (<usize>i << 2), curT * gPlane + curOy * gSh * gWp + curOx * gSw);
    store<i32>(sOut + (<usize>i << 2), curT * outPlane + curOy * gOw + curOx);
    if (++curOx == gOw) {
      curOx = 0;
      if (++curOy == gOh) {
        curOy = 0;
        curT++;
      }
    }
  }
}

@inline function pixAt(i: i32): i32 {
  return load<i32>(sPix + (<usize>i << 2));
}

@inline function outAt(i: i32): i32 {
  return load<i32>(sOut + (<usize>i << 2));
}

@inline function offAt(k: i32): i32 {
  return load<i32>(sOff + (<usize>k << 2));
}

@inline function tapAt(k: i32): i32 {
  return load<i32>(sTap + (<usize>k << 2));
}

// --- register tile ---------------------------------------------------------------------------

// Adds bias[r] (when bias != 0) and the old row (when loadC) to (lo, hi) and stores 8 floats at c.
@inline function storeRow(c: usize, lo: v128, hi: v128, bias: usize, r: i32, loadC: bool): void {
  if (bias != 0) {
    const b = v128.load32_splat(bias + (<usize>r << 2));
    lo = f32x4.add(lo, b);
    hi = f32x4.add(hi, b);
  }
  if (loadC) {
    lo = f32x4.add(lo, v128.load(c));
    hi = f32x4.add(hi, v128.load(c, 16));
  }
  v128.store(c, lo);
  v128.store(c, hi, 16);
}

/**
 * T[4 x 8] = A·B over depth kc (A: 4 values per step, B: 8 floats per step, bs bytes apart), row r stored at
 * c_r (8 floats, unaligned) plus bias[r] when bias != 0, plus the old values when loadC.
 */
@inline function tile4x8(
  kc: i32, a: usize, b: usize, bs: usize, c0: usize, c1: usize, c2: usize, c3: usize, bias: usize, loadC: bool,
  three: bool, fused: bool,
): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = c00;
  let c11 = c00;
  let c20 = c00;
  let c21 = c00;
  let c30 = c00;
  let c31 = c00;
  const end = a + <usize>kc * <usize>(MR * 4);
  while (a < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a);
    c00 = maddIf(fused, a0, b0, c00);
    c01 = maddIf(fused, a0, b1, c01);
    const a1 = v128.load32_splat(a, 4);
    c10 = maddIf(fused, a1, b0, c10);
    c11 = maddIf(fused, a1, b1, c11);
    const a2 = v128.load32_splat(a, 8);
    c20 = maddIf(fused, a2, b0, c20);
    c21 = maddIf(fused, a2, b1, c21);
    if (!three) {
      const a3 = v128.load32_splat(a, 12);
      c30 = maddIf(fused, a3, b0, c30);
      c31 = maddIf(fused, a3, b1, c31);
    }
    a += MR * 4;
    b += bs;
  }
  storeRow(c0, c00, c01, bias, 0, loadC);
  storeRow(c1, c10, c11, bias, 1, loadC);
  storeRow(c2, c20, c21, bias, 2, loadC);
  if (!three) storeRow(c3, c30, c31, bias, 3, loadC);
}

/**
 * Depths below which the relaxed build's tiles multiply and add in one FMA. The tile's eight
 * accumulators each take one FMA per step of eight, every 4 cycles at two a cycle: the FMA's
 * latency on the Zen 5 EPYC, so over a long depth any delay stalls the chain, and there
 * mul + add (the add's latency is shorter) measured 1-2% faster (conv2's forward, depth 288,
 * and weight gradient, 256). Over a short depth, where one tile's tail overlaps the next
 * tile's start, FMA's fewer instructions win: conv1's forward (depth 9) 8% and input
 * gradient (32) 20%, conv2's input gradient (64) 2%. Both sides interleaved in one process.
 * Callers test ASC_FEATURE_RELAXED_SIMD first, so that the SIMD128 build compiles to the
 * very binary it did before the relaxed build had this choice. The test is written out at
 * each of the three callers on purpose: moved into one more inlined layer around tile4x8, it
 * left SIMD128 unchanged but the relaxed build's conv2 weight gradient ran at 0.53x (22 against
 * 42 GFLOP/s, interleaved in one process).
 */
const FUSED_DEPTH = 128;

/** One register tile (tile4x8). Inlined so that V8 unrolls its depth loop (see matmul.ts). */
@inline function kernel4x8(
  kc: i32, a: usize, b: usize, bs: usize, c0: usize, c1: usize, c2: usize, c3: usize, bias: usize, loadC: bool,
): void {
  if (ASC_FEATURE_RELAXED_SIMD && kc < FUSED_DEPTH) tile4x8(kc, a, b, bs, c0, c1, c2, c3, bias, loadC, false, true);
  else tile4x8(kc, a, b, bs, c0, c1, c2, c3, bias, loadC, false, false);
}

/** The first three rows of a register tile (tile4x8), stored at c0..c2. */
@inline function kernel3x8(kc: i32, a: usize, b: usize, bs: usize, c0: usize, c1: usize, c2: usize, loadC: bool): void {
  if (ASC_FEATURE_RELAXED_SIMD && kc < FUSED_DEPTH) tile4x8(kc, a, b, bs, c0, c1, c2, 0, 0, loadC, true, true);
  else tile4x8(kc, a, b, bs, c0, c1, c2, 0, 0, loadC, true, false);
}

/**
 * `tiles` register tiles down consecutive rows against one B panel: tile q reads the A
 * micro-panel at a + q·kc·MR·4 and stores rows 4q..4q+3 at c + row·ldc bytes, bias
 * advancing by 4 rows per tile. For short depths (the first layer's 9 taps) this saves a call
 * per tile, which measurably costs there; for long depths it measured no faster.
 */
function kernelRows(kc: i32, a: usize, tiles: i32, b: usize, c: usize, ldc: usize, bias: usize, loadC: bool): void {
  const step = <usize>kc * <usize>(MR * 4);
  for (let q = 0; q < tiles; q++) {
    if (ASC_FEATURE_RELAXED_SIMD && kc < FUSED_DEPTH) tile4x8(kc, a, b, NR * 4, c, c + ldc, c + 2 * ldc, c + 3 * ldc, bias, loadC, false, true);
    else tile4x8(kc, a, b, NR * 4, c, c + ldc, c + 2 * ldc, c + 3 * ldc, bias, loadC, false, false);
    a += step;
    c += 4 * ldc;
    if (bias != 0) bias += MR * 4;
  }
}

/** The tile into sTile (row r at sTile + 32r), for the scalar edge paths. */
@inline function kernelToTile(kc: i32, a: usize, b: usize, bs: usize = NR * 4): void {
  kernel4x8(kc, a, b, bs, sTile, sTile + 32, sTile + 64, sTile + 96, 0, false);
}

@inline function tileAt(r: i32, c: i32): f32 {
  return load<f32>(sTile + (<usize>(r * NR + c) << 2));
}

/** Packs one A value (or 0 when !valid) for row i of a micro-panel step at d. */
@inline function packA1(d: usize, i: i32, src: usize, valid: bool): void {
  store<f32>(d + (<usize>i << 2), valid ? load<f32>(src) : 0);
}

/**
 * Packs rows [r0, r0+rows) x depth [d0, d0+depth) of the weights into micro-panels of MR rows,
 * gRows of them used (missing rows are zero). Forward: element (o, k) is W[o, tap k]; input
 * gradient (backward): element (k, o) is W[o, tap k]; with gFlip, the flipped weights of prepare.
 */
function packWeights(w: usize, backward: bool, r0: i32, rows: i32, d0: i32, depth: i32): void {
  const taps = gKh * gKw;
  for (let q = 0; q < rows; q += gRows) {
    let d = sA + <usize>(q / gRows) * <usize>depth * (MR * 4);
    const h = min(gRows, rows - q);
    for (let p = d0; p < d0 + depth; p++) {
      for (let i = 0; i < MR; i++) {
        const r = r0 + q + min(i, h - 1);
        let at: i32;
        if (gFlip) {
          // Row c, depth (o, tap) is W[o, c, taps-1-tap] of the original [cOut, cIn, kh, kw].
          const o = p / taps;
          at = (o * gCout + r) * taps + taps - 1 - (p - o * taps);
        } else {
          at = backward ? p * gK + tapAt(r) : r * gK + tapAt(p);
        }
        packA1(d, i, w + (<usize>at << 2), i < h);
      }
      d += MR * 4;
    }
  }
}

// --- forward and backward input: weights x panels of 8 pixel columns ----------------------------

// The current panel of pN columns. Its first pL columns run along one output row from window
// pPix0 (in the padded chunk) and output offset pOut0 (NCHW, channel 0); with pRuns == 2 the
// rest run along the next output row from pPix2 / pOut2. pRuns == 0: more rows than that.
// sPix / sOut hold every column only once panelArrays() has run (the scalar paths).
let pN = 0, pRuns = 0, pL = 0, pPix0 = 0, pPix2 = 0, pOut0 = 0, pOut2 = 0;
let pT = 0, pOy = 0, pOx = 0, pArrays = false;

@inline function windowAt(t: i32, oy: i32, ox: i32): i32 {
  return t * gPlane + oy * gSh * gWp + ox * gSw;
}

@inline function outputAt(t: i32, oy: i32, ox: i32): i32 {
  return t * gCout * gP + oy * gOw + ox;
}

/** Describes the next n (<= NR) columns in pN, pRuns, ... and advances past them. */
function panel(n: i32): void {
  pN = n;
  pArrays = false;
  pT = curT;
  pOy = curOy;
  pOx = curOx;
  pPix0 = windowAt(curT, curOy, curOx);
  pOut0 = outputAt(curT, curOy, curOx);
  const first = gOw - curOx;
  pL = min(n, first);
  pRuns = 1;
  curOx += pL;
  if (curOx < gOw) return;
  curOx = 0;
  if (++curOy == gOh) {
    curOy = 0;
    curT++;
  }
  const rest = n - pL;
  if (rest == 0) return;
  pPix2 = windowAt(curT, curOy, 0);
  pOut2 = outputAt(curT, curOy, 0);
  if (rest < gOw) {
    pRuns = 2;
    curOx = rest;
    return;
  }
  pRuns = 0;
  curT = pT;
  curOy = pOy;
  curOx = pOx;
  panelArrays();
}

/** Fills sPix / sOut with the current panel's columns. */
function panelArrays(): void {
  if (pArrays) return;
  const t = curT;
  const oy = curOy;
  const ox = curOx;
  curT = pT;
  curOy = pOy;
  curOx = pOx;
  columns(pN);
  if (pRuns != 0) {
    curT = t;
    curOy = oy;
    curOx = ox;
  }
  pArrays = true;
}

/** Whether the full panel's windows are one contiguous run in the padded chunk. */
@inline function windowsContiguous(): bool {
  return pN == NR && pRuns == 1 && gSw == 1;
}

/**
 * Whether the full panel's windows are two contiguous runs that 8-float loads from pPix0 and
 * pPix2 - pL (lanes selected by runMask) may read at every tap without leaving the chunk.
 */
@inline function windowsTwoRuns(): bool {
  return pN == NR && pRuns == 2 && gSw == 1 && pPix2 - pL + gOffMax + NR <= gChunkLen;
}

/** Whether the full panel's outputs are consecutive in NCHW (one image). */
@inline function outputsContiguous(): bool {
  return pN == NR && (pRuns == 1 || (pRuns == 2 && pOut2 == pOut0 + pL));
}

/** All-ones in the lanes of the first run: lanes 0..3 (hi = false) or 4..7 (hi = true). */
@inline function runMask(hi: bool): v128 {
  const lanes = hi ? i32x4(4, 5, 6, 7) : i32x4(0, 1, 2, 3);
  return i32x4.lt_s(lanes, i32x4.splat(pL));
}

/** B panel of the forward pass: X(d0 + d, column c) for the columns of the current panel. */
function packWindows(xs: usize, d0: i32, depth: i32): void {
  let d = sB;
  if (windowsContiguous()) {
    const s = xs + (<usize>pPix0 << 2);
    for (let p = 0; p < depth; p++) {
      const src = s + (<usize>offAt(d0 + p) << 2);
      v128.store(d, v128.load(src));
      v128.store(d, v128.load(src, 16), 16);
      d += NR * 4;
    }
    return;
  }
  if (windowsTwoRuns()) {
    const s1 = xs + (<usize>pPix0 << 2);
    const s2 = xs + (<usize>(pPix2 - pL) << 2);
    const lo = runMask(false);
    const hi = runMask(true);
    for (let p = 0; p < depth; p++) {
      const off = <usize>offAt(d0 + p) << 2;
      v128.store(d, v128.bitselect(v128.load(s1 + off), v128.load(s2 + off), lo));
      v128.store(d, v128.bitselect(v128.load(s1 + off, 16), v128.load(s2 + off, 16), hi), 16);
      d += NR * 4;
    }
    return;
  }
  panelArrays();
  for (let p = 0; p < depth; p++) {
    const off = offAt(d0 + p);
    for (let c = 0; c < NR; c++) {
      store<f32>(d + (<usize>c << 2), c < pN ? load<f32>(xs + (<usize>(pixAt(c) + off) << 2)) : 0);
    }
    d += NR * 4;
  }
}

/** B panel of the input gradient: dY[o0 + d, column c] for the columns of the current panel. */
function packOutputs(dy: usize, o0: i32, depth: i32): void {
  let d = sB;
  const plane = <usize>gP << 2;
  panelArrays();
  for (let p = 0; p < depth; p++) {
    const s = dy + <usize>(o0 + p) * plane;
    for (let c = 0; c < NR; c++) {
      store<f32>(d + (<usize>c << 2), c < pN ? load<f32>(s + (<usize>outAt(c) << 2)) : 0);
    }
    d += NR * 4;
  }
}

/** p[0..8) += v (lo, hi) in the lanes where mask (mlo, mhi) is set. */
@inline function addMasked(p: usize, lo: v128, hi: v128, mlo: v128, mhi: v128): void {
  v128.store(p, f32x4.add(v128.load(p), v128.and(lo, mlo)));
  v128.store(p, f32x4.add(v128.load(p, 16), v128.and(hi, mhi)), 16);
}

/** Adds the m x pN tile in sTile (rows = taps r..r+m) to the windows in the padded chunk xs. */
function scatterTile(xs: usize, r: i32, m: i32): void {
  if (windowsContiguous()) {
    const all = i32x4.splat(-1);
    for (let i = 0; i < m; i++) {
      const t = sTile + (<usize>i << 5);
      addMasked(xs + (<usize>(pPix0 + offAt(r + i)) << 2), v128.load(t), v128.load(t, 16), all, all);
    }
    return;
  }
  if (windowsTwoRuns()) {
    const lo = runMask(false);
    const hi = runMask(true);
    const s1 = xs + (<usize>pPix0 << 2);
    const s2 = xs + (<usize>(pPix2 - pL) << 2);
    // All first runs, then all second runs: a row's two windows may overlap.
    for (let i = 0; i < m; i++) {
      const t = sTile + (<usize>i << 5);
      addMasked(s1 + (<usize>offAt(r + i) << 2), v128.load(t), v128.load(t, 16), lo, hi);
    }
    for (let i = 0; i < m; i++) {
      const t = sTile + (<usize>i << 5);
      addMasked(s2 + (<usize>offAt(r + i) << 2), v128.load(t), v128.load(t, 16), v128.not(lo), v128.not(hi));
    }
    return;
  }
  panelArrays();
  for (let i = 0; i < m; i++) {
    const off = offAt(r + i);
    for (let c = 0; c < pN; c++) {
      const p = xs + (<usize>(pixAt(c) + off) << 2);
      store<f32>(p, load<f32>(p) + tileAt(i, c));
    }
  }
}

/**
 * The forward pass (backward = false: out = W·X + bias, ys = out, xs = padded input) or the
 * input gradient (backward = true: dxpad += Wᵀ·dY at the windows, ys = dY, xs = dxpad) over
 * `cols` pixel columns of a chunk.
 */
function weightsByColumns(backward: bool, w: usize, bias: usize, xs: usize, ys: usize, cols: i32): void {
  const rows = backward ? gK : gCout;
  const depth = backward ? gCout : gK;
  const plane = <usize>gP << 2;
  const whole = rows <= gMc && depth <= gKc; // all of W fits one block: pack it once
  gChunkLen = (cols / gP) * gPlane;
  const nc = backward ? imagesPerBlock() * gP : NC;
  for (let jc = 0; jc < cols; jc += nc) {
    const ncols = min(nc, cols - jc);
    for (let ic = 0; ic < rows; ic += gMc) {
      const mc = min(gMc, rows - ic);
      for (let pc = 0; pc < depth; pc += gKc) {
        const kc = min(gKc, depth - pc);
        if (!whole || jc == 0) packWeights(w, backward, ic, mc, pc, kc);
        seekColumn(jc);
        const loadC = backward || pc > 0;
        for (let jr = 0; jr < ncols; jr += NR) {
          panel(min(NR, ncols - jr));
          // B: the panel's windows packed; for the input gradient, dY read in place when the
          // panel's pixels are consecutive in it (one step = one channel plane further).
          let b = sB;
          let bs: usize = NR * 4;
          if (!backward) packWindows(xs, pc, kc);
          else if (outputsContiguous()) {
            b = ys + ((<usize>pOut0 + <usize>pc * <usize>gP) << 2);
            bs = plane;
          } else packOutputs(ys, pc, kc);
          const direct = backward ? windowsContiguous() : outputsContiguous();
          let ir0 = 0;
          if (!backward && direct && kc <= 64) {
            const tiles = mc / MR;
            const bz: usize = bias != 0 && pc == 0 ? bias + (<usize>ic << 2) : 0;
            kernelRows(kc, sA, tiles, sB, ys + ((<usize>pOut0 + <usize>ic * <usize>gP) << 2), plane, bz, loadC);
            ir0 = tiles * MR;
          }
          for (let ir = ir0; ir < mc; ir += gRows) {
            const m = min(gRows, mc - ir);
            const r = ic + ir;
            const a = sA + <usize>(ir / gRows) * <usize>kc * (MR * 4);
            if (backward) {
              const c = xs + (<usize>pPix0 << 2);
              if (direct && m == MR) {
                kernel4x8(
                  kc, a, b, bs, c + (<usize>offAt(r) << 2), c + (<usize>offAt(r + 1) << 2),
                  c + (<usize>offAt(r + 2) << 2), c + (<usize>offAt(r + 3) << 2), 0, true,
                );
              } else if (direct && m == 3) {
                kernel3x8(
                  kc, a, b, bs, c + (<usize>offAt(r) << 2), c + (<usize>offAt(r + 1) << 2),
                  c + (<usize>offAt(r + 2) << 2), true,
                );
              } else {
                kernelToTile(kc, a, b, bs);
                scatterTile(xs, r, m);
              }
              continue;
            }
            const bz: usize = bias != 0 && pc == 0 ? bias + (<usize>r << 2) : 0;
            if (direct && m == MR) {
              const c = ys + ((<usize>pOut0 + <usize>r * <usize>gP) << 2);
              kernel4x8(kc, a, sB, NR * 4, c, c + plane, c + 2 * plane, c + 3 * plane, bz, loadC);
              continue;
            }
            kernelToTile(kc, a, sB);
            panelArrays();
            for (let i = 0; i < m; i++) {
              const b: f32 = bz != 0 ? load<f32>(bz + (<usize>i << 2)) : 0;
              for (let c = 0; c < pN; c++) {
                const p = ys + ((<usize>outAt(c) + <usize>(r + i) * <usize>gP) << 2);
                store<f32>(p, tileAt(i, c) + b + (loadC ? load<f32>(p) : 0));
              }
            }
          }
        }
      }
    }
  }
}

// --- weight gradient: taps x channels, depth over pixel columns ---------------------------------

/** A micro-panel of taps [k0, k0+m) over the depth columns in sPix. */
function packTaps(xs: usize, k0: i32, m: i32, depth: i32): void {
  const o0 = <usize>offAt(k0) << 2;
  const o1 = m > 1 ? <usize>offAt(k0 + 1) << 2 : 0;
  const o2 = m > 2 ? <usize>offAt(k0 + 2) << 2 : 0;
  const o3 = m > 3 ? <usize>offAt(k0 + 3) << 2 : 0;
  let d = sA;
  for (let p = 0; p < depth; p++) {
    const s = xs + (<usize>pixAt(p) << 2);
    packA1(d, 0, s + o0, true);
    packA1(d, 1, s + o1, m > 1);
    packA1(d, 2, s + o2, m > 2);
    packA1(d, 3, s + o3, m > 3);
    d += MR * 4;
  }
}

/**
 * B of the weight gradient: for each panel of 8 channels in [c0, c1), dY[o, column] for the depth columns
 * in sOut, one row of 8 channels per column (missing channels are zero). Four columns
 * consecutive in memory go through two 4x4 transposes. With sums != 0, adds each channel's
 * total over these columns to the f64 sums (the bias gradient).
 */
function packOutputsT(dy: usize, c0: i32, c1: i32, depth: i32, sums: usize): void {
  const plane = <usize>gP << 2;
  for (let o0 = c0; o0 < c1; o0 += NR) {
    const nch = min(NR, gCout - o0);
    const panel = sB + (<usize>((o0 - c0) * depth) << 2);
    let d = panel;
    let p = 0;
    while (p < depth) {
      if (nch == NR && p + 4 <= depth && outAt(p + 3) - outAt(p) == 3) {
        const s = dy + ((<usize>outAt(p) + <usize>o0 * <usize>gP) << 2);
        storeTransposed(v128.load(s), v128.load(s + plane), v128.load(s + 2 * plane), v128.load(s + 3 * plane), d, 32);
        const s4 = s + 4 * plane;
        storeTransposed(v128.load(s4), v128.load(s4 + plane), v128.load(s4 + 2 * plane), v128.load(s4 + 3 * plane), d + 16, 32);
        p += 4;
        d += 4 * NR * 4;
        continue;
      }
      const s = dy + ((<usize>outAt(p) + <usize>o0 * <usize>gP) << 2);
      for (let c = 0; c < NR; c++) store<f32>(d + (<usize>c << 2), c < nch ? load<f32>(s + <usize>c * plane) : 0);
      p++;
      d += NR * 4;
    }
    if (sums == 0) continue;
    let lo = f32x4.splat(0);
    let hi = lo;
    for (let q = panel; q < d; q += NR * 4) {
      lo = f32x4.add(lo, v128.load(q));
      hi = f32x4.add(hi, v128.load(q, 16));
    }
    v128.store(sTile, lo);
    v128.store(sTile, hi, 16);
    for (let c = 0; c < nch; c++) {
      const at = sums + (<usize>(o0 + c) << 3);
      store<f64>(at, load<f64>(at) + <f64>tileAt(0, c));
    }
  }
}

/** Adds the 4x4 transpose of rows r0..r3 to the four rows of 4 floats at p, p + step, ... */
@inline function addTransposed4(r0: v128, r1: v128, r2: v128, r3: v128, p: usize, step: usize): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(p, f32x4.add(v128.load(p), i64x2.shuffle(t0, t1, 0, 2)));
  v128.store(p + step, f32x4.add(v128.load(p + step), i64x2.shuffle(t0, t1, 1, 3)));
  v128.store(p + 2 * step, f32x4.add(v128.load(p + 2 * step), i64x2.shuffle(t2, t3, 0, 2)));
  v128.store(p + 3 * step, f32x4.add(v128.load(p + 3 * step), i64x2.shuffle(t2, t3, 1, 3)));
}

/** dW[o0 + c, k0 + r] += T[r, c] for the m x n tile in sTile (T is taps x channels). */
function addTransposed(dw: usize, k0: i32, m: i32, o0: i32, n: i32): void {
  const ld = <usize>gK << 2;
  const base = dw + ((<usize>o0 * <usize>gK + <usize>k0) << 2);
  if (m == MR && n == NR) {
    const t = sTile;
    addTransposed4(v128.load(t), v128.load(t, 32), v128.load(t, 64), v128.load(t, 96), base, ld);
    addTransposed4(v128.load(t, 16), v128.load(t, 48), v128.load(t, 80), v128.load(t, 112), base + 4 * ld, ld);
    return;
  }
  for (let c = 0; c < n; c++) {
    for (let r = 0; r < m; r++) {
      const p = base + <usize>c * ld + (<usize>r << 2);
      store<f32>(p, load<f32>(p) + tileAt(r, c));
    }
  }
}

/**
 * dW[:, k0..k1) += Σ over `cols` pixel columns of X(k, column) · dY[o, column]; bias sums as
 * packOutputsT. k0 and k1 are multiples of MR (k1 may be gK).
 */
function weightGrad(xs: usize, dy: usize, dw: usize, cols: i32, sums: usize, k0: i32, k1: i32): void {
  seekColumn(0);
  for (let j = 0; j < cols; j += KCW) {
    const kc = min(KCW, cols - j);
    columns(kc);
    for (let c0 = 0; c0 < gCout; c0 += NCW) {
      const c1 = min(gCout, c0 + NCW);
      packOutputsT(dy, c0, c1, kc, sums);
      for (let k = k0; k < k1; k += MR) {
        const m = min(MR, gK - k);
        packTaps(xs, k, m, kc);
        for (let o = c0; o < c1; o += NR) {
          kernelToTile(kc, sA, sB + (<usize>((o - c0) * kc) << 2));
          addTransposed(dw, k, m, o, min(NR, gCout - o));
        }
      }
    }
  }
}

// --- weight gradient of shallow layers: a block of the column matrix, no GEMM packing -----------

const DIRECT_K = 32; // taps up to which the weight gradient takes the direct path
// Output channels per register tile of the direct path: V8 issues all of an iteration's loads
// before its arithmetic, so a tile of c channels x 3 taps holds 3c accumulators, 3 + c loaded
// vectors and (without FMA) a product: 3 x 3 needs 15 registers with FMA, 16 without (V8 has
// 15, and the SIMD128 build's 3 x 3 spilled and ran at half speed). The relaxed 3 x 3 ran 19%
// above a relaxed 2 x 3 on conv1's weight gradient, and a 4 x 2 tile (9 taps padded to 10)
// 0.87-0.98x the tile each build has.
const DW_CH: i32 = ASC_FEATURE_RELAXED_SIMD ? 3 : 2;
const DW_TAPS = 3; // taps per register tile of the direct path
const COL_FLOATS = 8192; // floats of the direct path's column block (32 KiB: stays in L1)
const ACC_BYTES: usize = DW_CH * DW_TAPS * 16; // one register tile's accumulators

/**
 * Whether the weight gradient runs weightGradDirect: with few taps (the first layer's 9) the
 * GEMM's packing would cost as much as its products, and each tap of a window row is a
 * contiguous run of the input when the column stride is 1.
 */
function directWeight(): bool {
  return gK <= DIRECT_K && gSw == 1 && gOw >= 4;
}

/** Pixels per column block of the direct path: a whole image's when K rows of them fit. */
@inline function colBlock(): i32 {
  return min(roundUp(gP, 4), max(64, (COL_FLOATS / gK) & ~3));
}

/** Register tiles of the direct path (DW_CH channels x DW_TAPS taps, ACC_BYTES each). */
@inline function accTiles(): i32 {
  return ((gCout + DW_CH - 1) / DW_CH) * ((gK + DW_TAPS - 1) / DW_TAPS);
}

/**
 * sCol[k * gBlk + j] = X(k, p0 + j) for j < len, and 0 up to the next multiple of 4, from
 * image x: the column matrix of im2col for one block of pixels, each tap's row a run of
 * contiguous copies along the window rows (the column stride is 1).
 */
function buildColumns(x: usize, p0: i32, len: i32): void {
  const oy0 = p0 / gOw;
  const ox0 = p0 - oy0 * gOw;
  const rowX = gSh * gWp;
  for (let k = 0; k < gK; k++) {
    const dst = sCol + (<usize>(k * gBlk) << 2);
    const off = offAt(k);
    let j = 0;
    let oy = oy0;
    let ox = ox0;
    while (j < len) {
      const run = min(gOw - ox, len - j);
      copyRun(dst + (<usize>j << 2), x + (<usize>(oy * rowX + ox + off) << 2), run);
      j += run;
      ox = 0;
      oy++;
    }
    for (; j & 3; j++) store<f32>(dst + (<usize>j << 2), 0);
  }
}

/** dst[j] = src[j] for j < n; a run of 4 or more ends with a vector that overlaps the last one. */
@inline function copyRun(dst: usize, src: usize, n: i32): void {
  if (n < 4) {
    for (let j = 0; j < n; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
    return;
  }
  const last = <usize>(n - 4) << 2;
  for (let j: usize = 0; j < last; j += 16) v128.store(dst + j, v128.load(src + j));
  v128.store(dst + last, v128.load(src + last));
}

/** The first r (1..3) floats at p in the low lanes, zeros above: a block's end, read in bounds. */
@inline function loadPart(p: usize, r: i32): v128 {
  let v = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(p));
  if (r > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (r > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// dY of the direct path is read once, a pair of channel planes (2.7 KB each on conv1) at a
// time, and the hardware prefetcher did not keep up: on conv1's [128,32,26,26] dY (11 MB) the
// pass ran at 23 GFLOP/s against 35 with 16 images (1.4 MB, cache-resident between calls).
// Loading one byte of every 64-byte line of the next image's planes before this image's
// products starts those misses early, many at a time: 1.11-1.28x on the 128 images (paired
// against the build without it), 1.04-1.05x on 64; every 128 bytes gained nothing. Where dY
// stays in cache the loads only cost (0.93x on 16 images), so only calls that read this much
// do it.
const TOUCH_AHEAD_BYTES: usize = 2 << 20;
let touchSink: u32 = 0; // the loaded bytes go here, so that no compiler drops the loads

/** Loads one byte of each 64-byte line of [p, p + bytes). */
function touchLines(p: usize, bytes: usize): void {
  let z: u32 = 0;
  for (let q: usize = 0; q < bytes; q += 64) z += load<u8>(p + q);
  touchSink += z;
}

/**
 * The weight gradient over `count` images of the chunk for channels [o0, o1). Each image's
 * column matrix is built a block of pixels at a time (buildColumns); then for each tile of
 * DW_CH channels x 3 taps, the accumulators hold Σ dY[o, px] · X(k, px) in four lanes, running
 * over the block's pixels in vectors of 4. dY's channel planes and the column rows are both
 * contiguous, so there is no edge at each output row, and 9 taps fill 3 tiles exactly. (This
 * path first read the windows in place with a 4 x 2 tile, masking the end of every 26-pixel
 * row and padding 9 taps to 10; on conv1 the SIMD128 build now runs 11-18% faster.)
 * The accumulators live in sAcc between blocks, tiles counted from o0 (a range's last tile
 * repeats its last channel; the last tap tile, the last tap), so each element is summed in the
 * same order whatever the range. Also adds each channel's Σ dY to the f64 sums when sums != 0.
 */
function weightGradDirect(xs: usize, dy: usize, count: i32, sums: usize, o0: i32, o1: i32): void {
  const plane = <usize>gP << 2;
  const rowCol = <usize>gBlk << 2;
  const tapTiles = (gK + DW_TAPS - 1) / DW_TAPS;
  const image = <usize>gCout * plane;
  const ahead = <usize>count * <usize>(o1 - o0) * plane >= TOUCH_AHEAD_BYTES;
  for (let t = 0; t < count; t++) {
    const yImg = dy + <usize>t * image;
    const xImg = xs + (<usize>(t * gPlane) << 2);
    if (ahead && t + 1 < count) touchLines(yImg + image + <usize>o0 * plane, <usize>(o1 - o0) * plane);
    for (let p0 = 0; p0 < gP; p0 += gBlk) {
      const len = min(gBlk, gP - p0);
      buildColumns(xImg, p0, len);
      const full = <usize>(len & ~3) << 2;
      const part = len & 3;
      for (let o = o0, g = 0; o < o1; o += DW_CH, g++) {
        const ya = yImg + <usize>o * plane + (<usize>p0 << 2);
        const yb = yImg + <usize>min(o + 1, o1 - 1) * plane + (<usize>p0 << 2);
        const yc = yImg + <usize>min(o + DW_CH - 1, o1 - 1) * plane + (<usize>p0 << 2);
        for (let q = 0; q < tapTiles; q++) {
          const xa = sCol + <usize>(q * DW_TAPS) * rowCol;
          const xb = sCol + <usize>min(q * DW_TAPS + 1, gK - 1) * rowCol;
          const xc = sCol + <usize>min(q * DW_TAPS + 2, gK - 1) * rowCol;
          const acc = sAcc + <usize>(g * tapTiles + q) * ACC_BYTES;
          let a0 = v128.load(acc);
          let a1 = v128.load(acc, 16);
          let a2 = v128.load(acc, 32);
          let b0 = v128.load(acc, 48);
          let b1 = v128.load(acc, 64);
          let b2 = v128.load(acc, 80);
          let c0 = a0;
          let c1 = a1;
          let c2 = a2;
          if (DW_CH > 2) {
            c0 = v128.load(acc, 96);
            c1 = v128.load(acc, 112);
            c2 = v128.load(acc, 128);
          }
          for (let v: usize = 0; v < full; v += 16) {
            const x0 = v128.load(xa + v);
            const x1 = v128.load(xb + v);
            const x2 = v128.load(xc + v);
            const d0 = v128.load(ya + v);
            const d1 = v128.load(yb + v);
            a0 = madd(d0, x0, a0);
            a1 = madd(d0, x1, a1);
            a2 = madd(d0, x2, a2);
            b0 = madd(d1, x0, b0);
            b1 = madd(d1, x1, b1);
            b2 = madd(d1, x2, b2);
            if (DW_CH > 2) {
              const d2 = v128.load(yc + v);
              c0 = madd(d2, x0, c0);
              c1 = madd(d2, x1, c1);
              c2 = madd(d2, x2, c2);
            }
          }
          if (part != 0) {
            // dY's lanes past the block are zero, as the column rows are: they add 0 · 0.
            // This repeats the loop body on purpose: the same products as a scalar loop over the
            // stored accumulators made conv1's weight gradient (which never takes it) 14-20%
            // slower, inlined or called: V8 then compiled the vector loop above worse.
            const x0 = v128.load(xa + full);
            const x1 = v128.load(xb + full);
            const x2 = v128.load(xc + full);
            const d0 = loadPart(ya + full, part);
            const d1 = loadPart(yb + full, part);
            a0 = madd(d0, x0, a0);
            a1 = madd(d0, x1, a1);
            a2 = madd(d0, x2, a2);
            b0 = madd(d1, x0, b0);
            b1 = madd(d1, x1, b1);
            b2 = madd(d1, x2, b2);
            if (DW_CH > 2) {
              const d2 = loadPart(yc + full, part);
              c0 = madd(d2, x0, c0);
              c1 = madd(d2, x1, c1);
              c2 = madd(d2, x2, c2);
            }
          }
          v128.store(acc, a0);
          v128.store(acc, a1, 16);
          v128.store(acc, a2, 32);
          v128.store(acc, b0, 48);
          v128.store(acc, b1, 64);
          v128.store(acc, b2, 80);
          if (DW_CH > 2) {
            v128.store(acc, c0, 96);
            v128.store(acc, c1, 112);
            v128.store(acc, c2, 128);
          }
        }
      }
    }
    if (sums != 0) {
      for (let o = o0; o < o1; o++) {
        const at = sums + (<usize>o << 3);
        store<f64>(at, load<f64>(at) + <f64>sumF32(yImg + <usize>o * plane, gP));
      }
    }
  }
}

/** Σ src[0..n) in four f32 lanes. */
function sumF32(src: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) acc = f32x4.add(acc, v128.load(src + (<usize>j << 2)));
  let tail: f32 = 0;
  for (; j < n; j++) tail += load<f32>(src + (<usize>j << 2));
  return lanesSum(acc) + tail;
}

@inline function lanesSum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** dW[o0..o1) from the direct path's accumulators: each is the sum of its four lanes. */
function storeDirect(dw: usize, o0: i32, o1: i32): void {
  const tapTiles = (gK + DW_TAPS - 1) / DW_TAPS;
  for (let o = o0; o < o1; o++) {
    const g = (o - o0) / DW_CH;
    const i = (o - o0) % DW_CH;
    for (let k = 0; k < gK; k++) {
      const tile = g * tapTiles + k / DW_TAPS;
      const at = sAcc + (<usize>(tile * DW_CH * DW_TAPS + i * DW_TAPS + k % DW_TAPS) << 4);
      store<f32>(dw + (<usize>(o * gK + k) << 2), lanesSum(v128.load(at)));
    }
  }
}

// --- padding and entry points -------------------------------------------------------------------

/** dst[j] = 0 for j < n. */
function zeroF32(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), z);
  for (; j < n; j++) store<f32>(dst + (<usize>j << 2), 0);
}

/** dst[j] = src[j] for j < n (the blocks do not overlap). */
function copyF32(dst: usize, src: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
  for (; j < n; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
}

/** Copies `count` images [cIn, h, w] at x into the zero-bordered chunk buffer sPad. */
function padChunk(x: usize, count: i32): void {
  let d = sPad;
  let s = x;
  const wp = <usize>gWp << 2;
  for (let q = 0; q < count * gCin; q++) {
    zeroF32(d, gPh * gWp);
    d += <usize>gPh * wp;
    for (let y = 0; y < gH; y++) {
      zeroF32(d, gPw);
      copyF32(d + (<usize>gPw << 2), s, gW);
      zeroF32(d + (<usize>(gPw + gW) << 2), gPw);
      s += <usize>gW << 2;
      d += wp;
    }
    zeroF32(d, gPh * gWp);
    d += <usize>gPh * wp;
  }
}

/** The inverse: the interior of `count` padded images in sPad to dx. */
function unpadChunk(dx: usize, count: i32): void {
  let s = sPad;
  let d = dx;
  const wp = <usize>gWp << 2;
  for (let q = 0; q < count * gCin; q++) {
    s += <usize>gPh * wp;
    for (let y = 0; y < gH; y++) {
      copyF32(d, s + (<usize>gPw << 2), gW);
      d += <usize>gW << 2;
      s += wp;
    }
    s += <usize>gPh * wp;
  }
}

/** The forward pass for the geometry set by prepare. */
function forward(x: usize, w: usize, bias: usize, out: usize, n: i32, scratch: usize): void {
  const chunk = chunkFor(n, PASS_FORWARD);
  layout(PASS_FORWARD, chunk, scratch);
  fillOffsets(false);
  const inImage = <usize>(gCin * gH * gW) << 2;
  const outImage = <usize>(gCout * gP) << 2;
  for (let t0 = 0; t0 < n; t0 += chunk) {
    const count = min(chunk, n - t0);
    let xs = x + <usize>t0 * inImage;
    if (gPadded) {
      padChunk(xs, count);
      xs = sPad;
    }
    weightsByColumns(false, w, bias, xs, out + <usize>t0 * outImage, count * gP);
  }
}

/**
 * out[t, o] = bias[o] (when bias != 0) + Σ W[o, :] · windows of x[t], NCHW, for t < n; the
 * scratch holds conv2d_scratch_bytes(0, n, ...) bytes.
 */
export function conv2d_f32(
  x: usize, w: usize, bias: usize, out: usize, n: i32, cIn: i32, h: i32, width: i32, cOut: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, scratch: usize,
): void {
  prepare(PASS_FORWARD, cIn, h, width, cOut, kh, kw, sh, sw, ph, pw);
  forward(x, w, bias, out, n, scratch);
}

/** dx = the input gradient of conv2d_f32 for dy (overwritten); scratch as conv2d_scratch_bytes(1, ...). */
export function conv2d_backward_input_f32(
  dy: usize, w: usize, dx: usize, n: i32, cIn: i32, h: i32, width: i32, cOut: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, scratch: usize,
): void {
  if (prepare(PASS_INPUT, cIn, h, width, cOut, kh, kw, sh, sw, ph, pw) == PASS_FORWARD) {
    forward(dy, w, 0, dx, n, scratch);
    return;
  }
  const chunk = chunkFor(n, PASS_INPUT);
  layout(PASS_INPUT, chunk, scratch);
  fillOffsets(true);
  for (let t0 = 0; t0 < n; t0 += chunk) {
    const count = min(chunk, n - t0);
    const dxc = dx + ((<usize>t0 * <usize>(cIn * h * width)) << 2);
    const xs = gPadded ? sPad : dxc;
    zeroF32(xs, count * gPlane);
    weightsByColumns(true, w, 0, xs, dy + ((<usize>t0 * <usize>(cOut * gP)) << 2), count * gP);
    if (gPadded) unpadChunk(dxc, count);
  }
}

/**
 * dw = the weight gradient of conv2d_f32 and dbias[o] = Σ dy[:, o] (when dbias != 0), both
 * overwritten; scratch as conv2d_scratch_bytes(2, ...).
 */
export function conv2d_backward_weight_f32(
  x: usize, dy: usize, dw: usize, dbias: usize, n: i32, cIn: i32, h: i32, width: i32, cOut: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, scratch: usize,
): void {
  const rows = conv2d_weight_rows(cIn, h, width, cOut, kh, kw, sh, sw, ph, pw);
  conv2d_backward_weight_range_f32(x, dy, dw, dbias, n, cIn, h, width, cOut, kh, kw, sh, sw, ph, pw, scratch, 0, rows);
}

/**
 * conv2d_backward_weight_f32 for rows [r0, r1) of the split conv2d_weight_rows describes:
 * output channels on the direct path (multiples of 8), taps otherwise (multiples of 4); the
 * rest of dw is left alone, and dbias is written only by the range that starts at 0. Every
 * element is summed in the same order whatever the range, so threads given disjoint ranges
 * compute the same bits as one call over all rows.
 */
export function conv2d_backward_weight_range_f32(
  x: usize, dy: usize, dw: usize, dbias: usize, n: i32, cIn: i32, h: i32, width: i32, cOut: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, scratch: usize, r0: i32, r1: i32,
): void {
  prepare(PASS_WEIGHT, cIn, h, width, cOut, kh, kw, sh, sw, ph, pw);
  const chunk = chunkFor(n, PASS_WEIGHT);
  layout(PASS_WEIGHT, chunk, scratch);
  fillOffsets(false);
  const direct = directWeight();
  if (direct) zeroF32(sAcc, accTiles() * <i32>(ACC_BYTES >> 2));
  else {
    for (let o = 0; o < cOut; o++) zeroF32(dw + ((<usize>o * <usize>gK + <usize>r0) << 2), r1 - r0);
  }
  for (let o = 0; o < cOut; o++) store<f64>(sBias + (<usize>o << 3), 0);
  // Channel sums come with every range of taps but only from all channels of the first.
  const sums = dbias != 0 && (direct || r0 == 0) ? sBias : 0;
  for (let t0 = 0; t0 < n; t0 += chunk) {
    const count = min(chunk, n - t0);
    let xs = x + ((<usize>t0 * <usize>(cIn * h * width)) << 2);
    if (gPadded) {
      padChunk(xs, count);
      xs = sPad;
    }
    const dyc = dy + ((<usize>t0 * <usize>(cOut * gP)) << 2);
    if (direct) weightGradDirect(xs, dyc, count, sums, r0, r1);
    else weightGrad(xs, dyc, dw, count * gP, sums, r0, r1);
  }
  if (direct) storeDirect(dw, r0, r1);
  if (sums != 0) {
    const o0 = direct ? r0 : 0;
    const o1 = direct ? r1 : cOut;
    for (let o = o0; o < o1; o++) store<f32>(dbias + (<usize>o << 2), <f32>load<f64>(sBias + (<usize>o << 3)));
  }
}

/** Rows the weight gradient splits into: output channels on the direct path, taps otherwise. */
export function conv2d_weight_rows(
  cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
): i32 {
  prepare(PASS_WEIGHT, cIn, h, w, cOut, kh, kw, sh, sw, ph, pw);
  return directWeight() ? cOut : gK;
}

/**
 * How a pass may be split over threads with the same bits as one call: the forward pass (and
 * the input gradient run as one) store each output once, so any whole images (returns 1); the
 * scattering input gradient adds into windows in an order set by its column blocks, so only at
 * multiples of a block's images (or of a padded chunk, when that is smaller); the weight
 * gradient by the rows of conv2d_weight_rows (returns minus their unit).
 */
export function conv2d_split_unit(
  pass: i32, n: i32, cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32,
): i32 {
  if (pass == PASS_WEIGHT) {
    prepare(PASS_WEIGHT, cIn, h, w, cOut, kh, kw, sh, sw, ph, pw);
    return directWeight() ? -NR : -MR;
  }
  if (prepare(pass, cIn, h, w, cOut, kh, kw, sh, sw, ph, pw) == PASS_FORWARD) return 1;
  return min(chunkFor(n, PASS_INPUT), imagesPerBlock());
}
