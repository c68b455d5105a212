package model_test

import (
	"context"
	"fmt"

	"github.com/hrmg/hrmg/model"
)

func ExampleNew() {
	cfg := model.DefaultConfig()
	m, err := model.New(cfg, []string{"longitude", "latitude", "median_income"}, 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("parameters:", m.NumParams())
	for _, p := range m.Params()[:4] {
		fmt.Println(p.Name, p.Value.Shape())
	}
	// Output:
	// parameters: 214786
	// hrm/input/linear/W (3, 128)
	// hrm/input/linear/b (1, 128)
	// hrm/plan/W (128, 128)
	// hrm/L/gru/W (128, 384)
}

func ExampleHRM_Predict() {
	cfg := model.DefaultConfig()
	cfg.Hidden = 16
	m, err := model.New(cfg, []string{"x1", "x2"}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Three rows of two standardised features, row-major.
	rows := []float64{0.5, -1, 0, 0, 2, 1.5}
	pred, steps, err := m.Predict(context.Background(), rows, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	// A new model's halting unit starts deep: every row runs all 8 cycles.
	fmt.Println(len(pred), "predictions, cycles used:", steps)
	// Output:
	// 3 predictions, cycles used: [4 4 4]
}
