package train

import (
	"math"
	"testing"
)

// adamwReference runs AdamW on one scalar in float64, written out step by
// step from the update rule, for comparison with the optimizer.
func adamwReference(p float64, grads []float64, lr, wd float64) []float64 {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	var m, v float64
	out := make([]float64, len(grads))
	for t, g := range grads {
		step := float64(t + 1)
		p *= 1 - lr*wd
		m = b1*m + (1-b1)*g
		v = b2*v + (1-b2)*g*g
		mHat := m / (1 - math.Pow(b1, step))
		vHat := v / (1 - math.Pow(b2, step))
		p -= lr * mHat / (math.Sqrt(vHat) + eps)
		out[t] = p
	}
	return out
}

func TestAdamWMatchesHandComputedSteps(t *testing.T) {
	// The first step of Adam moves each weight by lr·sign(g) (up to ε),
	// whatever the gradient's size, and decay scales by 1 − lr·wd first:
	// 0.5·(1 − 0.1·0.01) − 0.1 = 0.3995.
	opt := NewAdamW(0.01)
	params := [][]float32{{0.5, -1}}
	if err := opt.Update(0.1, params, [][]float32{{2, -0.001}}); err != nil {
		t.Fatal(err)
	}
	if got := params[0][0]; math.Abs(float64(got)-0.3995) > 1e-6 {
		t.Errorf("first weight after one step = %v, want 0.3995", got)
	}
	if got := params[0][1]; math.Abs(float64(got)-(-1*(1-0.001)+0.1)) > 1e-5 {
		t.Errorf("second weight after one step = %v, want %v", got, -1*(1-0.001)+0.1)
	}

	grads := []float64{0.3, -0.2, 0.05, 1.5, -0.7, 0.01}
	want := adamwReference(0.8, grads, 3e-3, 0.1)
	opt = NewAdamW(0.1)
	w := [][]float32{{0.8}}
	for i, g := range grads {
		if err := opt.Update(3e-3, w, [][]float32{{float32(g)}}); err != nil {
			t.Fatal(err)
		}
		if d := math.Abs(float64(w[0][0]) - want[i]); d > 1e-6 {
			t.Errorf("step %d: weight = %.9f, want %.9f", i+1, w[0][0], want[i])
		}
	}
	if opt.Step != len(grads) {
		t.Errorf("Step = %d, want %d", opt.Step, len(grads))
	}
}

func TestAdamWZeroGradientOnlyDecays(t *testing.T) {
	opt := NewAdamW(0.5)
	w := [][]float32{{2}}
	for i := 0; i < 3; i++ {
		if err := opt.Update(0.1, w, [][]float32{{0}}); err != nil {
			t.Fatal(err)
		}
	}
	if want := 2 * math.Pow(1-0.05, 3); math.Abs(float64(w[0][0])-want) > 1e-6 {
		t.Errorf("weight = %v, want %v", w[0][0], want)
	}
}

func TestAdamWRejectsMismatchedSizes(t *testing.T) {
	opt := NewAdamW(0)
	if err := opt.Update(0.1, [][]float32{{1, 2}}, [][]float32{{1}}); err == nil {
		t.Error("a gradient shorter than its parameter was accepted")
	}
	if err := opt.Update(0.1, [][]float32{{1}}, nil); err == nil {
		t.Error("missing gradients were accepted")
	}
}

func TestClipGlobalNorm(t *testing.T) {
	grads := [][]float32{{3}, {4}} // norm 5
	norm := ClipGlobalNorm(grads, 1)
	if norm != 5 {
		t.Errorf("norm = %v, want 5", norm)
	}
	if math.Abs(float64(grads[0][0])-0.6) > 1e-6 || math.Abs(float64(grads[1][0])-0.8) > 1e-6 {
		t.Errorf("clipped = %v, want [[0.6] [0.8]]", grads)
	}

	small := [][]float32{{0.3, 0.4}}
	ClipGlobalNorm(small, 1)
	if small[0][0] != 0.3 || small[0][1] != 0.4 {
		t.Errorf("gradients under the limit changed to %v", small)
	}

	off := [][]float32{{30, 40}}
	if norm := ClipGlobalNorm(off, 0); norm != 50 || off[0][0] != 30 {
		t.Errorf("clipping off: norm %v, gradients %v", norm, off)
	}

	bad := [][]float32{{float32(math.NaN())}}
	if norm := ClipGlobalNorm(bad, 1); !math.IsNaN(norm) {
		t.Errorf("norm of NaN gradient = %v, want NaN", norm)
	}
}
