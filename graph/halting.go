package graph

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
)

// ACT is Graves' adaptive computation time ("Adaptive Computation Time for
// Recurrent Neural Networks", 2016, arXiv:1603.08983) over K unrolled steps,
// built with in-graph masks. Every row runs all K steps; the masks decide
// which steps count. With halting probabilities h_n, running sums c_n and
// threshold 1 − ε:
//
//	a_n = [c_{n−1} < 1 − ε]      step n runs (a_1 = 1)
//	b_n = [c_n < 1 − ε]          the row goes on after step n (b_K = 0)
//	e_n = a_n·(1 − b_n)          1 at the halting step N only
//	p_n = a_n·b_n·h_n + e_n·(1 − c_{n−1})
//	R   = Σ e_n·(1 − c_{n−1}),   N = Σ a_n,   ρ = N + R
//
// The masks are comparisons, which Gorgonia does not differentiate, so they
// act as constants and the gradients are Graves' exactly: the ponder cost ρ
// reaches the halting units through R alone.
type ACT struct {
	// Weights are p_1..p_K, each (B,1); every row's weights sum to 1.
	Weights []*G.Node
	// Steps is N, the number of steps each row ran, (B,1).
	Steps *G.Node
	// Remainder is R, (B,1).
	Remainder *G.Node
	// Cost is the ponder cost ρ = N + R, (B,1).
	Cost *G.Node
}

// NewACT adds ACT halting over K = len(logits)+1 steps. logits are the
// halting units' pre-activations for steps 1..K−1, each (B,1), and step K
// halts every row that is still running. epsilon is Graves' ε, in [0, 1).
func NewACT(s *Scope, prefix string, logits []*G.Node, epsilon float64) (*ACT, error) {
	if !(epsilon >= 0 && epsilon < 1) {
		return nil, fmt.Errorf("act %s: epsilon %v is outside [0, 1)", prefix, epsilon)
	}
	rows, err := columnRows(logits, "act "+prefix)
	if err != nil {
		return nil, err
	}
	mark := s.mark()
	k := len(logits) + 1
	ones := s.Filled(1, rows, 1)
	threshold := s.Scalar(1 - epsilon)
	out := &ACT{Weights: make([]*G.Node, k)}

	cPrev := s.Filled(0, rows, 1) // c_{n−1}
	run := ones                   // a_n
	var steps, remainder *G.Node
	for n := 1; n <= k; n++ {
		at := fmt.Sprintf("%s/c%d", prefix, n)
		if n > 1 {
			if run, err = G.Lt(cPrev, threshold, true); err != nil {
				return nil, fmt.Errorf("act %s: %w", at, err)
			}
			namedIfNew(run, mark, at+"/run")
		}
		rest, err := G.Sub(ones, cPrev) // 1 − c_{n−1}
		if err != nil {
			return nil, fmt.Errorf("act %s: %w", at, err)
		}
		namedIfNew(rest, mark, at+"/rest")

		var p, last *G.Node
		if n < k {
			h, err := G.Sigmoid(logits[n-1])
			if err != nil {
				return nil, fmt.Errorf("act %s: %w", at, err)
			}
			namedIfNew(h, mark, at+"/halt")
			c, err := G.Add(cPrev, h)
			if err != nil {
				return nil, fmt.Errorf("act %s: %w", at, err)
			}
			namedIfNew(c, mark, at+"/sum")
			goOn, err := G.Lt(c, threshold, true)
			if err != nil {
				return nil, fmt.Errorf("act %s: %w", at, err)
			}
			namedIfNew(goOn, mark, at+"/continue")
			carry, err := G.HadamardProd(run, goOn) // a_n·b_n
			if err != nil {
				return nil, fmt.Errorf("act %s: %w", at, err)
			}
			if last, err = G.Sub(run, carry); err != nil { // a_n·(1 − b_n)
				return nil, fmt.Errorf("act %s: %w", at, err)
			}
			mid, err := G.HadamardProd(carry, h)
			if err != nil {
				return nil, fmt.Errorf("act %s: %w", at, err)
			}
			end, err := G.HadamardProd(last, rest)
			if err != nil {
				return nil, fmt.Errorf("act %s: %w", at, err)
			}
			if p, err = G.Add(mid, end); err != nil {
				return nil, fmt.Errorf("act %s: %w", at, err)
			}
			cPrev = c
		} else {
			last = run // b_K = 0
			if p, err = G.HadamardProd(last, rest); err != nil {
				return nil, fmt.Errorf("act %s: %w", at, err)
			}
		}
		namedIfNew(last, mark, at+"/last")
		out.Weights[n-1] = namedIfNew(p, mark, at+"/p")

		r, err := G.HadamardProd(last, rest)
		if err != nil {
			return nil, fmt.Errorf("act %s: %w", at, err)
		}
		if steps, err = accumulate(steps, run); err != nil {
			return nil, fmt.Errorf("act %s: %w", at, err)
		}
		if remainder, err = accumulate(remainder, r); err != nil {
			return nil, fmt.Errorf("act %s: %w", at, err)
		}
	}
	out.Steps = namedIfNew(steps, mark, prefix+"/steps")
	out.Remainder = namedIfNew(remainder, mark, prefix+"/remainder")
	if out.Cost, err = G.Add(out.Steps, out.Remainder); err != nil {
		return nil, fmt.Errorf("act %s: %w", prefix, err)
	}
	namedIfNew(out.Cost, mark, prefix+"/cost")
	s.nameRest(mark, prefix)
	return out, nil
}

// PonderNet is the halting of Banino et al. ("PonderNet: Learning to
// Ponder", 2021, arXiv:2107.05407) over K unrolled steps. λ_n = σ(logit_n)
// is the probability of halting at step n given no halt before, with
// λ_K = 1, and
//
//	p_n = λ_n · Π_{j<n} (1 − λ_j)
//
// The regulariser is KL(p ‖ g) against a geometric prior g_n ∝ λp(1−λp)^(n−1)
// truncated to K steps and renormalised. Every term is differentiable.
type PonderNet struct {
	// Weights are p_1..p_K, each (B,1); every row's weights sum to 1.
	Weights []*G.Node
	// Steps is the expected number of steps Σ n·p_n, (B,1).
	Steps *G.Node
	// KL is each row's KL(p ‖ g), (B,1).
	KL *G.Node
}

// ponderLogFloor is added to p_n inside the logarithm of the KL term, so a
// weight that underflows to 0 gives a finite log.
const ponderLogFloor = 1e-8

// NewPonderNet adds PonderNet halting over K = len(logits)+1 steps. logits
// are the halting units' pre-activations for steps 1..K−1, each (B,1).
// prior is the geometric prior's λp, in (0, 1).
func NewPonderNet(s *Scope, prefix string, logits []*G.Node, prior float64) (*PonderNet, error) {
	if !(prior > 0 && prior < 1) {
		return nil, fmt.Errorf("pondernet %s: prior %v is outside (0, 1)", prefix, prior)
	}
	rows, err := columnRows(logits, "pondernet "+prefix)
	if err != nil {
		return nil, err
	}
	mark := s.mark()
	k := len(logits) + 1
	ones := s.Filled(1, rows, 1)
	floor := s.Scalar(ponderLogFloor)
	logPrior := geometricLogPrior(prior, k)
	out := &PonderNet{Weights: make([]*G.Node, k)}

	survive := ones // Π_{j<n} (1 − λ_j)
	var steps, kl *G.Node
	for n := 1; n <= k; n++ {
		at := fmt.Sprintf("%s/c%d", prefix, n)
		p := survive
		if n < k {
			lambda, err := G.Sigmoid(logits[n-1])
			if err != nil {
				return nil, fmt.Errorf("pondernet %s: %w", at, err)
			}
			namedIfNew(lambda, mark, at+"/halt")
			if p, err = G.HadamardProd(lambda, survive); err != nil {
				return nil, fmt.Errorf("pondernet %s: %w", at, err)
			}
			stay, err := G.Sub(ones, lambda)
			if err != nil {
				return nil, fmt.Errorf("pondernet %s: %w", at, err)
			}
			if survive, err = G.HadamardProd(survive, stay); err != nil {
				return nil, fmt.Errorf("pondernet %s: %w", at, err)
			}
			namedIfNew(survive, mark, at+"/survive")
		}
		out.Weights[n-1] = namedIfNew(p, mark, at+"/p")

		weighted, err := G.HadamardProd(s.Filled(float64(n), rows, 1), p)
		if err != nil {
			return nil, fmt.Errorf("pondernet %s: %w", at, err)
		}
		if steps, err = accumulate(steps, weighted); err != nil {
			return nil, fmt.Errorf("pondernet %s: %w", at, err)
		}
		term, err := klTerm(s, p, floor, logPrior[n-1])
		if err != nil {
			return nil, fmt.Errorf("pondernet %s: %w", at, err)
		}
		if kl, err = accumulate(kl, term); err != nil {
			return nil, fmt.Errorf("pondernet %s: %w", at, err)
		}
	}
	out.Steps = namedIfNew(steps, mark, prefix+"/steps")
	out.KL = namedIfNew(kl, mark, prefix+"/kl")
	s.nameRest(mark, prefix)
	return out, nil
}

// klTerm returns p·(log(p + floor) − logPrior).
func klTerm(s *Scope, p, floor *G.Node, logPrior float64) (*G.Node, error) {
	shifted, err := G.Add(p, floor)
	if err != nil {
		return nil, err
	}
	logP, err := G.Log(shifted)
	if err != nil {
		return nil, err
	}
	diff, err := G.Sub(logP, s.Scalar(logPrior))
	if err != nil {
		return nil, err
	}
	return G.HadamardProd(p, diff)
}

// geometricLogPrior returns log g_n for n = 1..k of the geometric
// distribution with success probability lambda, truncated to k steps and
// renormalised.
func geometricLogPrior(lambda float64, k int) []float64 {
	// Σ_{n=1..k} λ(1−λ)^(n−1) = 1 − (1−λ)^k
	logNorm := math.Log1p(-math.Pow(1-lambda, float64(k)))
	out := make([]float64, k)
	for n := range out {
		out[n] = math.Log(lambda) + float64(n)*math.Log1p(-lambda) - logNorm
	}
	return out
}

// Mix adds Σ_n w_n ⊙ v_n: weights each (B,1), values each (B,W) → (B,W).
// It combines per-step predictions or states with halting weights.
func Mix(s *Scope, name string, weights, values []*G.Node) (*G.Node, error) {
	if len(weights) != len(values) || len(weights) == 0 {
		return nil, fmt.Errorf("mix %s: %d weights for %d values", name, len(weights), len(values))
	}
	mark := s.mark()
	var sum *G.Node
	for i, v := range values {
		w := weights[i]
		if err := checkMatrix(v, -1, -1); err != nil {
			return nil, fmt.Errorf("mix %s: value %d: %w", name, i, err)
		}
		if err := checkMatrix(w, v.Shape()[0], 1); err != nil {
			return nil, fmt.Errorf("mix %s: weight %d: %w", name, i, err)
		}
		term, err := ScaleRows(w, v)
		if err != nil {
			return nil, fmt.Errorf("mix %s: step %d: %w", name, i+1, err)
		}
		if sum, err = accumulate(sum, term); err != nil {
			return nil, fmt.Errorf("mix %s: %w", name, err)
		}
	}
	namedIfNew(sum, mark, name)
	s.nameRest(mark, name)
	return sum, nil
}

// accumulate returns sum + term, or term when sum is nil.
func accumulate(sum, term *G.Node) (*G.Node, error) {
	if sum == nil {
		return term, nil
	}
	return G.Add(sum, term)
}

// columnRows checks that every node is (B,1) with one B and returns B.
func columnRows(nodes []*G.Node, block string) (int, error) {
	if len(nodes) == 0 {
		return 0, fmt.Errorf("%s: no halting logits: use at least 2 steps", block)
	}
	rows := nodes[0].Shape()[0]
	for i, n := range nodes {
		if err := checkMatrix(n, rows, 1); err != nil {
			return 0, fmt.Errorf("%s: logit %d: %w", block, i+1, err)
		}
	}
	return rows, nil
}
