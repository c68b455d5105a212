package model

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/hrmg/hrmg/graph"
)

// newModel returns a model for the features, failing the test on error.
func newModel(t *testing.T, cfg Config, features int, seed uint64) *HRM {
	t.Helper()
	names := make([]string, features)
	for i := range names {
		names[i] = fmt.Sprintf("f%d", i+1)
	}
	m, err := New(cfg, names, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// randomRows returns rows×cols normal values.
func randomRows(rng *rand.Rand, rows, cols int) []float64 {
	v := make([]float64, rows*cols)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// weights returns a copy of every parameter value, in order.
func weights(m *HRM) [][]float64 {
	var out [][]float64
	for _, p := range m.Params() {
		out = append(out, graph.Values(mustNode(p)))
	}
	return out
}

// mustNode wraps a parameter's tensor in a node of a throwaway graph, so
// graph.Values can read it.
func mustNode(p graph.Param) *G.Node {
	return G.NewTensor(G.NewGraph(), p.Value.Dtype(), p.Value.Dims(), G.WithShape(p.Value.Shape()...), G.WithName(p.Name), G.WithValue(p.Value))
}

func TestNewSameSeedSameWeights(t *testing.T) {
	for _, input := range []string{InputLinear, InputPLR} {
		t.Run(input, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Input = input
			a, b, c := weights(newModel(t, cfg, 5, 42)), weights(newModel(t, cfg, 5, 42)), weights(newModel(t, cfg, 5, 43))
			for i := range a {
				if !slices.Equal(a[i], b[i]) {
					t.Fatalf("parameter %d differs between two models of seed 42", i)
				}
			}
			if slices.Equal(a[0], c[0]) {
				t.Error("seeds 42 and 43 gave the same first weights")
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	bad := DefaultConfig()
	bad.Hidden = 0
	if _, err := New(bad, []string{"a"}, 1); err == nil || !strings.Contains(err.Error(), "hidden") {
		t.Errorf("invalid config: error %v", err)
	}
	if _, err := New(DefaultConfig(), nil, 1); err == nil {
		t.Error("no features: no error")
	}
}

func TestParams(t *testing.T) {
	cfg := DefaultConfig()
	m := newModel(t, cfg, 3, 1)
	h := cfg.Hidden
	want := map[string][]int{
		"hrm/input/linear/W": {3, h}, "hrm/input/linear/b": {1, h},
		"hrm/plan/W":  {h, h},
		"hrm/L/gru/W": {h, 3 * h}, "hrm/L/gru/U": {h, 3 * h}, "hrm/L/gru/b": {1, 3 * h}, "hrm/L/gru/bhn": {1, h},
		"hrm/H/gru/W": {h, 3 * h},
		"hrm/head/W":  {h, 1}, "hrm/head/b": {1, 1},
		"hrm/halt/W": {h, 1}, "hrm/halt/b": {1, 1},
	}
	seen := map[string]bool{}
	total := 0
	for _, p := range m.Params() {
		if seen[p.Name] {
			t.Errorf("parameter %s appears twice", p.Name)
		}
		seen[p.Name] = true
		total += p.Size()
		if shape, ok := want[p.Name]; ok && !slices.Equal([]int(p.Value.Shape()), shape) {
			t.Errorf("%s has shape %v, want %v", p.Name, p.Value.Shape(), shape)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("parameter %s is missing", name)
		}
	}
	if got := m.NumParams(); got != total {
		t.Errorf("NumParams = %d, want %d", got, total)
	}
	halt := weights(m)[len(m.Params())-2:]
	if slices.ContainsFunc(halt[0], func(v float64) bool { return v != 0 }) || halt[1][0] != cfg.HaltBias {
		t.Errorf("halting unit starts at W %v, b %v; want zeros and %v", halt[0][:3], halt[1], cfg.HaltBias)
	}

	cfg.Halting = HaltingNone
	for _, p := range newModel(t, cfg, 3, 1).Params() {
		if strings.HasPrefix(p.Name, "hrm/halt") {
			t.Errorf("halting none has parameter %s", p.Name)
		}
	}
}

// runInfer runs an inference graph on x and returns predictions and steps.
func runInfer(t *testing.T, ig *InferGraph, x []float64) (pred, steps []float64) {
	t.Helper()
	if err := graph.SetValues(ig.X, x); err != nil {
		t.Fatal(err)
	}
	vm := ig.NewMachine()
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return graph.Values(ig.Pred), graph.Values(ig.PonderSteps)
}

func TestGraphsShareWeights(t *testing.T) {
	m := newModel(t, smallConfig(InputLinear, HaltingACT), 3, 1)
	ig, err := m.BuildInference(4)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := m.BuildTrain(4)
	if err != nil {
		t.Fatal(err)
	}
	x := randomRows(rand.New(rand.NewPCG(1, 1)), 4, 3)
	before, _ := runInfer(t, ig, x)

	// An optimizer writes into the tensors; both graphs must see it.
	m.head.B.Value.Float64s()[0] += 1
	after, _ := runInfer(t, ig, x)
	for i := range before {
		if math.Abs(after[i]-before[i]-1) > 1e-12 {
			t.Fatalf("row %d: prediction %v before, %v after adding 1 to the head bias", i, before[i], after[i])
		}
	}
	head := tg.Graph.ByName("hrm/head/b")
	if len(head) != 1 || head[0].Value() != G.Value(m.head.B.Value) {
		t.Error("training graph's hrm/head/b is not bound to the model's tensor")
	}
}

func TestPaddingRowsDoNotChangeLoss(t *testing.T) {
	for _, halting := range []string{HaltingNone, HaltingACT, HaltingPonder} {
		t.Run(halting, func(t *testing.T) {
			cfg := smallConfig(InputLinear, halting)
			m := newModel(t, cfg, 3, 5)
			rng := rand.New(rand.NewPCG(2, 3))
			x, y := randomRows(rng, 3, 3), randomRows(rng, 3, 1)

			run := func(batch int, x, y, mask []float64) (float64, [][]float64) {
				tg, err := m.BuildTrain(batch)
				if err != nil {
					t.Fatal(err)
				}
				for _, in := range []struct {
					n *G.Node
					v []float64
				}{{tg.X, x}, {tg.Y, y}, {tg.Mask, mask}} {
					if err := graph.SetValues(in.n, in.v); err != nil {
						t.Fatal(err)
					}
				}
				vm, err := tg.NewMachine()
				if err != nil {
					t.Fatal(err)
				}
				defer vm.Close()
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				grads := make([][]float64, len(tg.Grads))
				for i, g := range tg.Grads {
					grads[i] = graph.Values(g)
				}
				return graph.Scalar(tg.Loss), grads
			}
			loss3, grads3 := run(3, x, y, ones(3))
			// Two padding rows with large values and their own targets.
			padX := append(slices.Clone(x), 50, -50, 9, 7, 7, 7)
			padY := append(slices.Clone(y), 100, -100)
			loss5, grads5 := run(5, padX, padY, []float64{1, 1, 1, 0, 0})
			if math.Abs(loss3-loss5) > 1e-12 {
				t.Errorf("loss %v with padding, %v without", loss5, loss3)
			}
			for i := range grads3 {
				for j := range grads3[i] {
					if math.Abs(grads3[i][j]-grads5[i][j]) > 1e-12 {
						t.Fatalf("gradient %d[%d]: %v with padding, %v without", i, j, grads5[i][j], grads3[i][j])
					}
				}
			}
		})
	}
}

func TestRowResultsIndependentOfBatch(t *testing.T) {
	for _, dtype := range []string{DTypeFloat64, DTypeFloat32} {
		t.Run(dtype, func(t *testing.T) {
			cfg := smallConfig(InputPLR, HaltingACT)
			cfg.DType = dtype
			m := newModel(t, cfg, 3, 9)
			x := randomRows(rand.New(rand.NewPCG(4, 4)), 10, 3)
			want, wantSteps, err := m.Predict(context.Background(), x, 10)
			if err != nil {
				t.Fatal(err)
			}
			tol := 1e-12
			if dtype == DTypeFloat32 {
				tol = 1e-5
			}
			for _, batch := range []int{1, 3, 4, 64} {
				got, steps, err := m.Predict(context.Background(), x, batch)
				if err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if math.Abs(got[i]-want[i]) > tol || steps[i] != wantSteps[i] {
						t.Fatalf("batch %d, row %d: %v (%v steps), want %v (%v steps)", batch, i, got[i], steps[i], want[i], wantSteps[i])
					}
				}
			}
		})
	}
}

func TestPredictMatchesGraphs(t *testing.T) {
	m := newModel(t, smallConfig(InputLinear, HaltingPonder), 3, 2)
	x := randomRows(rand.New(rand.NewPCG(5, 5)), 6, 3)
	pred, steps, err := m.Predict(context.Background(), x, 4)
	if err != nil {
		t.Fatal(err)
	}

	ig, err := m.BuildInference(6)
	if err != nil {
		t.Fatal(err)
	}
	gp, gs := runInfer(t, ig, x)

	tg, err := m.BuildTrain(6)
	if err != nil {
		t.Fatal(err)
	}
	if err := graph.SetValues(tg.X, x); err != nil {
		t.Fatal(err)
	}
	vm, err := tg.NewMachine()
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	tp := graph.Values(tg.Pred)

	for i := range pred {
		if math.Abs(pred[i]-gp[i]) > 1e-12 || math.Abs(pred[i]-tp[i]) > 1e-12 || steps[i] != gs[i] {
			t.Errorf("row %d: Predict %v, inference graph %v, training graph %v", i, pred[i], gp[i], tp[i])
		}
	}
}

func TestPredictRejects(t *testing.T) {
	m := newModel(t, smallConfig(InputLinear, HaltingNone), 3, 2)
	if _, _, err := m.Predict(context.Background(), make([]float64, 7), 4); err == nil {
		t.Error("7 values for 3 features: no error")
	}
	if _, _, err := m.Predict(context.Background(), make([]float64, 6), 0); err == nil {
		t.Error("batch 0: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := m.Predict(ctx, make([]float64, 6), 1); err == nil {
		t.Error("cancelled context: no error")
	}
	pred, _, err := m.Predict(context.Background(), nil, 4)
	if err != nil || len(pred) != 0 {
		t.Errorf("no rows: %v, %v", pred, err)
	}
}

func TestPonderSteps(t *testing.T) {
	cases := []struct {
		name      string
		halting   string
		bias      float64
		min, max  float64
		wholeOnly bool
	}{
		// σ(5) ≈ 0.993 ≥ 1 − ε: every row halts after its first cycle.
		{"act halts at once", HaltingACT, 5, 1, 1, true},
		// σ(−3) ≈ 0.047 a cycle never reaches 0.99 within 3 cycles.
		{"act runs to the end", HaltingACT, -3, 3, 3, true},
		{"ponder expected steps", HaltingPonder, 0, 1, 3, false},
		{"none", HaltingNone, 0, 2, 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := smallConfig(InputLinear, c.halting)
			cfg.HaltBias = c.bias
			m := newModel(t, cfg, 3, 3)
			_, steps, err := m.Predict(context.Background(), randomRows(rand.New(rand.NewPCG(6, 6)), 5, 3), 5)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range steps {
				if s < c.min || s > c.max || (c.wholeOnly && s != math.Trunc(s)) {
					t.Errorf("row %d: %v steps, want %v to %v", i, s, c.min, c.max)
				}
			}
		})
	}
}

func TestStatesCarryOver(t *testing.T) {
	// Deep supervision feeds a segment's final states into the next one.
	m := newModel(t, smallConfig(InputLinear, HaltingACT), 3, 4)
	tg, err := m.BuildTrain(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := graph.SetValues(tg.X, randomRows(rand.New(rand.NewPCG(7, 7)), 2, 3)); err != nil {
		t.Fatal(err)
	}
	vm, err := tg.NewMachine()
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	first, zH, zL := graph.Values(tg.Pred), graph.Values(tg.ZH), graph.Values(tg.ZL)
	vm.Reset()

	if err := graph.SetValues(tg.ZH0, zH); err != nil {
		t.Fatal(err)
	}
	if err := graph.SetValues(tg.ZL0, zL); err != nil {
		t.Fatal(err)
	}
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	second := graph.Values(tg.Pred)

	if slices.Equal(first, second) {
		t.Error("carrying the states over did not change the prediction")
	}
	if !slices.Equal(graph.Values(tg.ZH0), zH) {
		t.Error("the run changed its input state")
	}
}

func TestCloneIsIndependent(t *testing.T) {
	m := newModel(t, smallConfig(InputPLR, HaltingACT), 3, 8)
	c := m.Clone()
	if !slices.EqualFunc(weights(m), weights(c), slices.Equal) {
		t.Fatal("clone has other weights")
	}
	c.head.B.Value.Float64s()[0] = 99
	if m.head.B.Value.Float64s()[0] == 99 {
		t.Error("changing the clone changed the original")
	}
	if err := m.CopyWeightsFrom(c); err != nil {
		t.Fatal(err)
	}
	if m.head.B.Value.Float64s()[0] != 99 {
		t.Error("CopyWeightsFrom did not copy")
	}
	other := newModel(t, smallConfig(InputLinear, HaltingACT), 3, 8)
	if err := m.CopyWeightsFrom(other); err == nil {
		t.Error("copying from a linear-input model into a PLR one: no error")
	}
}

func TestRunsAreDeterministic(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hidden = 16
	x := randomRows(rand.New(rand.NewPCG(8, 8)), 32, 4)
	var first []float64
	for range 2 {
		pred, _, err := newModel(t, cfg, 4, 11).Predict(context.Background(), x, 32)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = pred
		} else if !slices.Equal(first, pred) {
			t.Error("two models of one seed predict differently")
		}
	}
}

func TestPredictRunsSegments(t *testing.T) {
	cfg := smallConfig(InputLinear, HaltingACT)
	cfg.Segments = 3
	m := newModel(t, cfg, 3, 12)
	x := randomRows(rand.New(rand.NewPCG(9, 9)), 5, 3)
	pred, steps, err := m.Predict(context.Background(), x, 2)
	if err != nil {
		t.Fatal(err)
	}

	// The same three segments by hand on one graph, carrying the states.
	ig, err := m.BuildInference(5)
	if err != nil {
		t.Fatal(err)
	}
	if err := graph.SetValues(ig.X, x); err != nil {
		t.Fatal(err)
	}
	vm := ig.NewMachine()
	defer vm.Close()
	total := make([]float64, 5)
	for seg := range 3 {
		if seg > 0 {
			if err := graph.SetValues(ig.ZH0, graph.Values(ig.ZH)); err != nil {
				t.Fatal(err)
			}
			if err := graph.SetValues(ig.ZL0, graph.Values(ig.ZL)); err != nil {
				t.Fatal(err)
			}
		}
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		for i, s := range graph.Values(ig.PonderSteps) {
			total[i] += s
		}
		vm.Reset()
	}
	want := graph.Values(ig.Pred)
	for i := range want {
		if math.Abs(pred[i]-want[i]) > 1e-12 {
			t.Errorf("row %d: Predict %v, three segments by hand %v", i, pred[i], want[i])
		}
		if steps[i] != total[i] {
			t.Errorf("row %d: %v steps, want the sum over segments %v", i, steps[i], total[i])
		}
	}

	cfg.Segments = 1
	one, _, err := newModel(t, cfg, 3, 12).Predict(context.Background(), x, 2)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(one, pred) {
		t.Error("one segment predicts the same as three")
	}
}
