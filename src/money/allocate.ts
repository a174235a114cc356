/**
 * Splits `total` minor units in proportion to `weights` (non-negative integers), exactly: each
 * share is total × weight ÷ Σweights rounded down, and the units left over go one each to the
 * largest remainders (ties: the earlier weight). The shares always add up to `total`, a share is
 * never more than its weight when total ≤ Σweights, and splitting Σweights gives back the weights.
 * Integers throughout (BigInt for the products): no float touches money.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError('expected a non-negative integer total');
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0)) throw new RangeError('expected non-negative integer weights');
  const sum = weights.reduce((a, w) => a + BigInt(w), 0n);
  if (sum === 0n) {
    if (total === 0) return weights.map(() => 0);
    throw new RangeError('cannot split a positive total over zero weights');
  }
  const t = BigInt(total);
  const shares = weights.map((w) => (t * BigInt(w)) / sum);
  const remainders = weights.map((w, i) => ({ i, r: (t * BigInt(w)) % sum }));
  let left = total - shares.reduce((a, s) => a + Number(s), 0);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0) break;
    shares[i]! += 1n;
    left -= 1;
  }
  return shares.map(Number);
}
