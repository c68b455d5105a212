package data

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestPartSizes(t *testing.T) {
	tests := []struct {
		n                       int
		valid, test             float64
		wantTrain, wantV, wantT int
	}{
		{1500, 0.1, 0.1, 1200, 150, 150},
		{20640, 0.1, 0.1, 16512, 2064, 2064},
		{15, 0.1, 0.1, 11, 2, 2},
		{12, 0.1, 0.1, 8, 2, 2},
		{100, 0.2, 0, 80, 20, 0},
		{100, 0, 0.25, 75, 0, 25},
	}
	for _, tt := range tests {
		train, valid, test := partSizes(tt.n, tt.valid, tt.test)
		if train != tt.wantTrain || valid != tt.wantV || test != tt.wantT {
			t.Errorf("partSizes(%d, %v, %v) = %d/%d/%d, want %d/%d/%d", tt.n, tt.valid, tt.test, train, valid, test, tt.wantTrain, tt.wantV, tt.wantT)
		}
	}
	if got := minRowsFor(0.1, 0.1); got != 12 {
		t.Errorf("minRowsFor(0.1, 0.1) = %d, want 12", got)
	}
	if got := minRowsFor(0.1, 0); got != 10 {
		t.Errorf("minRowsFor(0.1, 0) = %d, want 10", got)
	}
}

func TestSplitRandom(t *testing.T) {
	const n = 1000
	train, valid, test := splitRandom(n, 0.1, 0.2, 42)
	if len(train) != 700 || len(valid) != 100 || len(test) != 200 {
		t.Fatalf("sizes %d/%d/%d, want 700/100/200", len(train), len(valid), len(test))
	}
	seen := make([]int, n)
	for _, part := range [][]int{train, valid, test} {
		if !slices.IsSorted(part) {
			t.Error("a part is not in file order")
		}
		for _, r := range part {
			seen[r]++
		}
	}
	for r, k := range seen {
		if k != 1 {
			t.Fatalf("row %d is in %d parts, want 1", r, k)
		}
	}

	again, _, _ := splitRandom(n, 0.1, 0.2, 42)
	if !slices.Equal(train, again) {
		t.Error("the same seed gave another split")
	}
	other, _, _ := splitRandom(n, 0.1, 0.2, 43)
	if slices.Equal(train, other) {
		t.Error("seeds 42 and 43 gave the same split")
	}
}

// TestShufflerIsStable pins the shuffle for one seed: a change here changes
// every split users have made, so it must be deliberate.
func TestShufflerIsStable(t *testing.T) {
	got := newShuffler(1).perm(10)
	want := []int{9, 1, 2, 3, 8, 6, 0, 7, 5, 4}
	if !slices.Equal(got, want) {
		t.Errorf("perm(10) with seed 1 = %v, want %v", got, want)
	}
	counts := make([]int, 3)
	s := newShuffler(2)
	for range 30000 {
		counts[s.intn(3)]++
	}
	for v, c := range counts {
		if c < 9500 || c > 10500 {
			t.Errorf("intn(3) drew %d %d times in 30000, want about 10000", v, c)
		}
	}
}

func TestCellOf(t *testing.T) {
	// At the equator one degree is about 111.2 km both ways.
	a, b := cellOf(0.05, 0.05, 111.195), cellOf(0.95, 0.95, 111.195)
	if a != b {
		t.Errorf("points 0.9° apart at the equator fell in cells %v and %v of 111 km", a, b)
	}
	if cellOf(1.05, 0.05, 111.195) == a || cellOf(0.05, 1.05, 111.195) == a {
		t.Error("points more than one cell apart share a cell")
	}
	// A degree of longitude holds about 11 cells of 10 km at the equator
	// and half as many at 60°, where it is half as long.
	cellsAlong := func(lat float64) int {
		seen := make(map[gridCell]bool)
		for lon := 10.0; lon < 11; lon += 0.001 {
			seen[cellOf(lat, lon, 10)] = true
		}
		return len(seen)
	}
	if got := cellsAlong(0.01); got < 11 || got > 12 {
		t.Errorf("1° of longitude at the equator spans %d cells of 10 km, want 11 or 12", got)
	}
	if got := cellsAlong(60.01); got < 5 || got > 7 {
		t.Errorf("1° of longitude at 60° spans %d cells of 10 km, want 5 to 7", got)
	}
}

func TestSplitSpatialKeepsCellsWhole(t *testing.T) {
	// A 40 × 40 grid of points 2 km apart near 45°N.
	var lat, lon []float64
	for i := range 40 {
		for j := range 40 {
			lat = append(lat, 45+float64(i)*2/kmPerDegree)
			lon = append(lon, 7+float64(j)*2/(kmPerDegree*math.Cos(45*math.Pi/180)))
		}
	}

	const blockKm = 10
	res := splitSpatial(lat, lon, blockKm, 0.1, 0.1, 3)
	part := make(map[gridCell]int)
	for p, rows := range [][]int{res.train, res.valid, res.test} {
		for _, r := range rows {
			c := cellOf(lat[r], lon[r], blockKm)
			if q, ok := part[c]; ok && q != p {
				t.Fatalf("cell %v is in parts %d and %d", c, q, p)
			}
			part[c] = p
		}
	}

	n := float64(len(lat))
	for i, rows := range [][]int{res.valid, res.test} {
		if share := float64(len(rows)) / n; math.Abs(share-0.1) > 0.02 {
			t.Errorf("part %d holds %.3f of the rows, want about 0.1", i+1, share)
		}
	}
	if got := res.blocks[0] + res.blocks[1] + res.blocks[2]; got != len(part) {
		t.Errorf("blocks %v add to %d, want %d cells", res.blocks, got, len(part))
	}

	again := splitSpatial(lat, lon, blockKm, 0.1, 0.1, 3)
	if !slices.Equal(res.test, again.test) {
		t.Error("the same seed gave another spatial split")
	}
	other := splitSpatial(lat, lon, blockKm, 0.1, 0.1, 4)
	if slices.Equal(res.test, other.test) {
		t.Error("seeds 3 and 4 gave the same spatial split")
	}
}

func TestDetectCoordinates(t *testing.T) {
	tests := []struct {
		columns  []string
		lat, lon string
	}{
		{[]string{"longitude", "latitude", "y"}, "latitude", "longitude"},
		{[]string{"LAT", "Lng", "z"}, "LAT", "Lng"},
		{[]string{"centroid_lat", "centroid_lon"}, "centroid_lat", "centroid_lon"},
		{[]string{"lat", "lat_error", "lon"}, "lat", "lon"},
		{[]string{"lat_a", "lat_b", "lon"}, "", "lon"},
		{[]string{"latency", "along"}, "", ""},
		{[]string{"x", "y"}, "", ""},
	}
	for _, tt := range tests {
		lat, lon := DetectCoordinates(tt.columns)
		if lat != tt.lat || lon != tt.lon {
			t.Errorf("DetectCoordinates(%q) = %q, %q; want %q, %q", tt.columns, lat, lon, tt.lat, tt.lon)
		}
	}
}

// pointsCSV writes n rows on a line of points 3 km apart near Atlanta, with
// the given extra cell text in row bad.
func pointsCSV(n int, bad int, latText string) string {
	var b strings.Builder
	b.WriteString("lat,lon,x,target\n")
	for i := range n {
		lat := fmt.Sprint(33.5 + float64(i)*3/kmPerDegree)
		if i == bad {
			lat = latText
		}
		fmt.Fprintf(&b, "%s,-84.4,%d,%d\n", lat, i%7, i%11)
	}
	return b.String()
}

func TestSplitSpatialErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		opts  SplitOptions
		want  cellError
	}{
		{"missing coordinate", pointsCSV(200, 10, ""), SplitOptions{Method: SplitSpatial, BlockKm: 10}, cellError{err: ErrCoordinate, line: 12, column: "lat", contains: []string{"missing"}}},
		{"latitude out of range", pointsCSV(200, 20, "133.5"), SplitOptions{Method: SplitSpatial, BlockKm: 10}, cellError{err: ErrCoordinate, line: 22, column: "lat", value: "133.5", contains: []string{"decimal degrees"}}},
		{"no coordinate columns", "a,b,target\n" + strings.Repeat("1,2,3\n4,5,6\n", 20), SplitOptions{Method: SplitSpatial, BlockKm: 10}, cellError{err: ErrMissingColumn, contains: []string{"--lat"}}},
		{"blocks too big", pointsCSV(200, -1, ""), SplitOptions{Method: SplitSpatial, BlockKm: 5000}, cellError{err: ErrTooFewBlocks, contains: []string{"1 grid cells", "--block-km"}}},
		{"no block size", pointsCSV(200, -1, ""), SplitOptions{Method: SplitSpatial}, cellError{err: ErrInvalidOption, contains: []string{"--block-km"}}},
		{"unknown method", pointsCSV(200, -1, ""), SplitOptions{Method: "kfold"}, cellError{err: ErrInvalidOption, contains: []string{"kfold"}}},
		{"fraction too big", pointsCSV(200, -1, ""), SplitOptions{ValidFraction: 1.5}, cellError{err: ErrInvalidOption, contains: []string{"--valid-fraction"}}},
		{"fractions leave nothing", pointsCSV(200, -1, ""), SplitOptions{ValidFraction: 0.5, TestFraction: 0.45}, cellError{err: ErrInvalidOption}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "points.csv", tt.input)
			_, err := loadFile(t, path, Selection{Target: "target"}, tt.opts)
			checkError(t, err, tt.want)
		})
	}
}

func TestSplitSpatialOnPoints(t *testing.T) {
	path := writeTemp(t, "points.csv", pointsCSV(300, -1, ""))
	s, err := loadFile(t, path, Selection{Target: "target"}, SplitOptions{Method: SplitSpatial, BlockKm: 10, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if s.Method != SplitSpatial || s.Lat != "lat" || s.Lon != "lon" {
		t.Errorf("method %q with coordinates %q, %q", s.Method, s.Lat, s.Lon)
	}
	if got := s.Train.Len() + s.Valid.Len() + s.Test.Len(); got != 300 {
		t.Errorf("parts hold %d rows, want 300", got)
	}
	// 300 points 3 km apart make about 90 cells of 10 km.
	if b := s.Blocks; b[0]+b[1]+b[2] < 80 || b[1] == 0 || b[2] == 0 {
		t.Errorf("blocks = %v", b)
	}
	if _, err := loadFile(t, path, Selection{Target: "target"}, SplitOptions{Method: SplitSpatial, BlockKm: 10, Lat: "latitude"}); !errors.Is(err, ErrMissingColumn) {
		t.Errorf("--lat naming no column: error = %v, want ErrMissingColumn", err)
	}
}
