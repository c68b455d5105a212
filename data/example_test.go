package data_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hrmg/hrmg/data"
)

func ExampleLoad() {
	s, err := data.Load(context.Background(), data.LoadOptions{
		Train:  "testdata/missing-target/train.csv",
		Select: data.Selection{Target: "target"},
		Split:  data.SplitOptions{Seed: 1},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("rows:", s.Train.Len(), s.Valid.Len(), s.Test.Len())
	fmt.Println("features:", s.Features)
	for _, w := range s.Warnings {
		fmt.Println(w)
	}
	// Output:
	// rows: 14 2 2
	// features: [lon lat elevation A00 A01 A02 A03]
	// testdata/missing-target/train.csv, line 5, column "target": 2 of 20 rows have no target value and are left out (lines 5, 12); the target is never imputed
}

func ExamplePreprocessor_Transform() {
	ctx := context.Background()
	s, err := data.Load(ctx, data.LoadOptions{
		Train:  "testdata/unseen-category-at-predict/train.csv",
		Select: data.Selection{Target: "target", Drop: []string{"A*"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	p, _, err := data.FitPreprocessor(s.Train, data.Selection{Target: "target", Drop: []string{"A*"}}, data.PrepOptions{Scale: data.ScaleStandard})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Features())

	predict, err := p.ReadFile(ctx, "testdata/unseen-category-at-predict/predict.csv", data.ReadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	f, warnings, err := p.Transform(predict)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d rows × %d features\n", f.X.Rows, f.X.Cols)
	for _, w := range warnings {
		fmt.Println(w)
	}
	// Output:
	// [lon lat elevation landcover=cropland landcover=forest landcover=grassland]
	// 6 rows × 6 features
	// testdata/unseen-category-at-predict/predict.csv, line 4, column "landcover", value "wetland": category not seen in training, which had "cropland", "forest", "grassland": encoded as no category, all zeros
}
