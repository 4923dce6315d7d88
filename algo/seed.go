package algo

import "math/rand/v2"

// Everything random in shoal derives from a job seed and a stream of
// integers that name the use (task id, round, sample number), never from
// scheduling, so a model does not depend on how many workers ran it.

// mix64 is the SplitMix64 finaliser: a bijection on uint64 with good
// avalanche, cheap enough to call per row.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Hash combines a seed and a stream of integers into one well-mixed value.
// Sampling uses Hash(seed, purpose, sample, row) so that whether a row is in
// a sample depends only on those numbers, not on how the data is sharded.
func Hash(seed uint64, stream ...uint64) uint64 {
	h := mix64(seed)
	for _, s := range stream {
		h = HashMore(h, s)
	}
	return h
}

// HashMore extends h, a Hash, by one more integer: HashMore(Hash(seed,
// a...), b) is Hash(seed, a..., b). A loop over rows hashes its fixed
// prefix once and each row with one mix instead of all of them.
func HashMore(h, s uint64) uint64 {
	return mix64(h ^ s)
}

// NewRand returns a generator seeded from (seed, stream...). Two calls with
// the same arguments produce identical sequences.
func NewRand(seed uint64, stream ...uint64) *rand.Rand {
	h := Hash(seed, stream...)
	return rand.New(rand.NewPCG(h, mix64(h^0x5851f42d4c957f2d)))
}

// Below reports whether h, read as a uniform fraction of 2^64, is below p.
// It is how a hash turns into a Bernoulli(p) draw.
func Below(h uint64, p float64) bool {
	if p >= 1 {
		return true
	}
	if p <= 0 {
		return false
	}
	return float64(h>>11)*(1.0/(1<<53)) < p
}
