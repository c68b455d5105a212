package baselines_test

import (
	"context"
	"fmt"
	"math"

	"github.com/hrmg/hrmg/baselines"
	"github.com/hrmg/hrmg/data"
)

func ExampleFitForest() {
	// One feature with a step at 4.5; the 7th row has a missing value.
	x := data.Matrix{Rows: 8, Cols: 1, Data: []float32{1, 2, 3, 4, 5, 6, float32(math.NaN()), 8}}
	y := []float64{10, 10, 10, 10, 20, 20, 20, 20}

	cfg := baselines.DefaultForestConfig()
	cfg.Trees = 50
	cfg.Seed = 1
	forest, err := baselines.FitForest(context.Background(), x, y, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	query := data.Matrix{Rows: 2, Cols: 1, Data: []float32{0, 100}}
	out := make([]float64, query.Rows)
	forest.Predict(query, out)
	fmt.Printf("%.0f %.0f\n", out[0], out[1])
	// Output: 10 20
}

func ExampleFitGBM() {
	x := data.Matrix{Rows: 4, Cols: 1, Data: []float32{1, 2, 3, 4}}
	y := []float64{0, 0, 10, 10}

	// scikit-learn's GradientBoostingRegressor defaults, shortened to two
	// rounds: the first prediction is the mean, and each tree adds a tenth
	// of the remaining residual.
	cfg := baselines.SklearnGBMConfig()
	cfg.Trees = 2
	m, err := baselines.FitGBM(context.Background(), x, y, cfg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	out := make([]float64, x.Rows)
	m.Predict(x, out)
	fmt.Printf("base %.2f, predictions %.2f\n", m.Base, out)
	// Output: base 5.00, predictions [4.05 4.05 5.95 5.95]
}
