package data

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// The bundled real tables; see datasets/*/README.md.
const (
	californiaDir = "../datasets/california-housing/"
	atlantaDir    = "../datasets/atlanta-alphaearth/"
)

var atlantaDrop = []string{"B01003_001E", "tract_area_sqkm", "population_density"}

func TestCaliforniaHousingFiles(t *testing.T) {
	s, err := Load(context.Background(), LoadOptions{
		Train: californiaDir + "train.csv", Valid: californiaDir + "valid.csv", Test: californiaDir + "test.csv",
		Select: Selection{Target: "median_house_value"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 16512 || s.Valid.Len() != 2064 || s.Test.Len() != 2064 {
		t.Errorf("rows %d/%d/%d, want 16512/2064/2064", s.Train.Len(), s.Valid.Len(), s.Test.Len())
	}
	if len(s.Warnings) != 0 {
		t.Errorf("warnings = %v", s.Warnings)
	}
	var missing []int
	for _, part := range []*Table{s.Train, s.Valid, s.Test} {
		n, err := part.Missing("total_bedrooms")
		if err != nil {
			t.Fatal(err)
		}
		missing = append(missing, n)
	}
	if !slices.Equal(missing, []int{170, 22, 15}) {
		t.Errorf("missing total_bedrooms = %v, want 170/22/15 (207 in all)", missing)
	}
	ocean, _ := s.Train.Summary("ocean_proximity")
	if ocean.Kind != Categorical || len(ocean.Categories) != 5 {
		t.Errorf("ocean_proximity = %v with categories %v, want 5 categories", ocean.Kind, ocean.Categories)
	}

	p, _, err := FitPreprocessor(s.Train, Selection{Target: "median_house_value"}, PrepOptions{Scale: ScaleStandard, TargetStandardize: true})
	if err != nil {
		t.Fatal(err)
	}
	features := p.Features()
	var numeric, indicators, oneHot int
	for _, f := range features {
		switch {
		case strings.HasSuffix(f, "_missing"):
			indicators++
		case strings.Contains(f, "="):
			oneHot++
		default:
			numeric++
		}
	}
	if len(features) != 14 || numeric != 8 || indicators != 1 || oneHot != 5 || !slices.Contains(features, "total_bedrooms_missing") {
		t.Errorf("features = %q: %d numeric, %d indicators, %d one-hot; want 14 = 8 + 1 + 5", features, numeric, indicators, oneHot)
	}
	for _, part := range []*Table{s.Train, s.Valid, s.Test} {
		f, warnings, err := p.Transform(part)
		if err != nil {
			t.Fatal(err)
		}
		if len(warnings) != 0 {
			t.Errorf("%s: warnings %v", part.Name(), warnings)
		}
		for i, v := range f.X.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("%s: X[%d] = %v", part.Name(), i, v)
			}
		}
		if f.Lat == nil || f.Lon == nil || f.Lat[0] < 32 || f.Lon[0] > -114 {
			t.Errorf("%s: coordinates %v, %v not filled from latitude and longitude", part.Name(), f.Lat[:1], f.Lon[:1])
		}
	}
}

func TestCaliforniaHousingRandomAndSpatialSplits(t *testing.T) {
	sel := Selection{Target: "median_house_value"}
	s, err := Load(context.Background(), LoadOptions{Train: californiaDir + "housing.csv", Select: sel, Split: SplitOptions{Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 16512 || s.Valid.Len() != 2064 || s.Test.Len() != 2064 {
		t.Errorf("random split %d/%d/%d, want 16512/2064/2064", s.Train.Len(), s.Valid.Len(), s.Test.Len())
	}
	all, _ := ReadFile(californiaDir+"housing.csv", ReadOptions{})
	if n, _ := all.Missing("total_bedrooms"); n != 207 {
		t.Errorf("housing.csv has %d missing total_bedrooms, want 207", n)
	}

	spatial := SplitOptions{Method: SplitSpatial, BlockKm: 10, Seed: 1}
	s, err = Load(context.Background(), LoadOptions{Train: californiaDir + "housing.csv", Select: sel, Split: spatial})
	if err != nil {
		t.Fatal(err)
	}
	if s.Lat != "latitude" || s.Lon != "longitude" {
		t.Errorf("coordinates detected as %q, %q", s.Lat, s.Lon)
	}
	cells := make(map[gridCell]int)
	for p, part := range []*Table{s.Train, s.Valid, s.Test} {
		lat, _ := part.Numbers("latitude")
		lon, _ := part.Numbers("longitude")
		for i := range lat {
			c := cellOf(lat[i], lon[i], spatial.BlockKm)
			if q, ok := cells[c]; ok && q != p {
				t.Fatalf("a 10 km cell is in parts %d and %d", q, p)
			}
			cells[c] = p
		}
		if p > 0 {
			if share := float64(part.Len()) / 20640; math.Abs(share-0.1) > 0.01 {
				t.Errorf("part %d holds %.3f of the rows, want 0.1 ± 0.01", p, share)
			}
		}
	}
	swapped := spatial
	swapped.Lat, swapped.Lon = "longitude", "latitude"
	_, err = Load(context.Background(), LoadOptions{Train: californiaDir + "housing.csv", Select: sel, Split: swapped})
	checkError(t, err, cellError{err: ErrCoordinate, column: "longitude", contains: []string{"swapped"}})
}

func TestAtlantaEmbeddingFiles(t *testing.T) {
	sel := Selection{Target: "y_log_density", IDs: []string{"cb_2020_3"}, Drop: atlantaDrop}
	s, err := Load(context.Background(), LoadOptions{
		Train: atlantaDir + "train.csv", Valid: atlantaDir + "valid.csv", Test: atlantaDir + "test.csv", Select: sel,
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 1200 || s.Valid.Len() != 150 || s.Test.Len() != 150 {
		t.Errorf("rows %d/%d/%d, want 1200/150/150", s.Train.Len(), s.Valid.Len(), s.Test.Len())
	}
	if len(s.Features) != 65 {
		t.Errorf("%d feature columns, want 65", len(s.Features))
	}
	p, warnings, err := FitPreprocessor(s.Train, sel, PrepOptions{Scale: ScaleQuantile})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Features()) != 65 || len(warnings) != 0 {
		t.Errorf("%d features and warnings %v, want 65 and none", len(p.Features()), warnings)
	}
	f, _, err := p.Transform(s.Test)
	if err != nil {
		t.Fatal(err)
	}
	if f.IDs[0].Name != "cb_2020_3" || !strings.HasPrefix(f.IDs[0].Values[0], "1400000US13") {
		t.Errorf("ids = %q ...", f.IDs[0].Values[:2])
	}

	// The same table split at random with the default shares.
	s, err = Load(context.Background(), LoadOptions{Train: atlantaDir + "tracts.csv", Select: sel})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 1200 || s.Valid.Len() != 150 || s.Test.Len() != 150 {
		t.Errorf("random split %d/%d/%d, want 1200/150/150", s.Train.Len(), s.Valid.Len(), s.Test.Len())
	}
}

func TestAtlantaTractIDLooksLikeAnID(t *testing.T) {
	sel := Selection{Target: "y_log_density", Drop: atlantaDrop}
	s, err := Load(context.Background(), LoadOptions{Train: atlantaDir + "train.csv", Valid: atlantaDir + "valid.csv", Test: atlantaDir + "test.csv", Select: sel})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 1 || s.Warnings[0].Column != "cb_2020_3" || !strings.Contains(s.Warnings[0].Message, "--id cb_2020_3") {
		t.Errorf("warnings = %v, want one naming cb_2020_3 as an id", s.Warnings)
	}
	_, _, err = FitPreprocessor(s.Train, sel, PrepOptions{})
	if !errors.Is(err, ErrIDLikeColumn) || !strings.Contains(err.Error(), "--id cb_2020_3") {
		t.Errorf("error = %v, want ErrIDLikeColumn with a hint", err)
	}
}
