package graph

import (
	"math"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestSetValuesAndValues(t *testing.T) {
	for _, dtype := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		t.Run(dtype.String(), func(t *testing.T) {
			s, err := NewScope(dtype)
			if err != nil {
				t.Fatal(err)
			}
			m := s.Input("m", 2, 2)
			if err := SetValues(m, []float64{1, 2.5, -3, 4}); err != nil {
				t.Fatal(err)
			}
			if got := Values(m); !slices.Equal(got, []float64{1, 2.5, -3, 4}) {
				t.Errorf("values %v", got)
			}
			if err := SetValues(m, []float64{1}); err == nil {
				t.Error("1 value for a 2×2 input: no error")
			}
			if err := SetValues(m, []float32{0.5, 1, 1.5, 2}); err != nil {
				t.Fatal(err)
			}
			if got := Values(m); !slices.Equal(got, []float64{0.5, 1, 1.5, 2}) {
				t.Errorf("values from float32 %v", got)
			}
			sc := s.Input("tau")
			if err := SetValues(sc, []float64{0.25}); err != nil {
				t.Fatal(err)
			}
			if got := Scalar(sc); got != 0.25 {
				t.Errorf("scalar %v, want 0.25", got)
			}
			if err := SetValues(sc, []float64{1, 2}); err == nil {
				t.Error("2 values for a scalar: no error")
			}
		})
	}
	unbound := G.NewMatrix(G.NewGraph(), tensor.Float64, G.WithShape(1, 1), G.WithName("u"))
	if err := SetValues(unbound, []float64{1}); err == nil {
		t.Error("node without a value: no error")
	}
	if v := Values(unbound); v != nil {
		t.Errorf("Values of an unbound node = %v, want nil", v)
	}
	if v := Scalar(unbound); !math.IsNaN(v) {
		t.Errorf("Scalar of an unbound node = %v, want NaN", v)
	}
}

// TestKeepSurvivesInPlaceOps checks that a Keep copy holds a node's value
// where the machine reuses the node's memory for a later in-place op.
func TestKeepSurvivesInPlaceOps(t *testing.T) {
	build := func(keep bool) (sq, kept, next *G.Node, vm G.VM) {
		s := newScope64(t)
		x := s.Input("x", 1, 3)
		if err := SetValues(x, []float64{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		var err error
		if sq, err = G.Square(x); err != nil {
			t.Fatal(err)
		}
		if keep {
			if kept, err = Keep(sq, "kept"); err != nil {
				t.Fatal(err)
			}
		}
		// sq + 1 reads sq last, so Gorgonia adds in place, over sq.
		if next, err = G.Add(sq, s.Scalar(1)); err != nil {
			t.Fatal(err)
		}
		vm = G.NewTapeMachine(s.Graph())
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return sq, kept, next, vm
	}

	sq, _, _, vm := build(false)
	vm.Close()
	if got := Values(sq); !slices.Equal(got, []float64{2, 5, 10}) {
		t.Fatalf("without Keep the squared node reads %v; the in-place overwrite this test relies on did not happen", got)
	}

	_, kept, next, vm := build(true)
	defer vm.Close()
	if got := Values(kept); !slices.Equal(got, []float64{1, 4, 9}) {
		t.Errorf("kept %v, want [1 4 9]", got)
	}
	if got := Values(next); !slices.Equal(got, []float64{2, 5, 10}) {
		t.Errorf("sq + 1 = %v, want [2 5 10]", got)
	}
}
