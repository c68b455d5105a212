package data

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
)

// Split methods.
const (
	SplitRandom  = "random"
	SplitSpatial = "spatial"
)

// SplitOptions sets how one file is split into training, validation and
// test rows when no separate validation or test file is given.
type SplitOptions struct {
	// Method is SplitRandom (the default when empty) or SplitSpatial.
	Method string
	// ValidFraction and TestFraction are the shares of rows held out for
	// validation and test; zero means 0.1 each.
	ValidFraction float64
	TestFraction  float64
	// Seed makes the split reproducible: the same seed and rows give the
	// same split.
	Seed uint64
	// BlockKm is the edge of a spatial grid cell in km; required by the
	// spatial method. Choose it larger than the distance over which
	// neighbouring rows are alike.
	BlockKm float64
	// Lat and Lon name the coordinate columns, in decimal degrees. Empty
	// detects them from names such as lat or latitude, and lon, lng or
	// longitude.
	Lat, Lon string
}

// defaultFraction is the validation and the test share when unset.
const defaultFraction = 0.1

// Row minimums: a held-out part needs two rows for R² to be defined (with
// distinct targets), and training needs a few rows for any model.
const (
	minHeldOutRows = 2
	minTrainRows   = 8
)

func (o SplitOptions) withDefaults() SplitOptions {
	if o.Method == "" {
		o.Method = SplitRandom
	}
	if o.ValidFraction == 0 {
		o.ValidFraction = defaultFraction
	}
	if o.TestFraction == 0 {
		o.TestFraction = defaultFraction
	}
	return o
}

func (o SplitOptions) validate() error {
	switch o.Method {
	case SplitRandom, SplitSpatial:
	default:
		return optionError("split method %q: use %q or %q", o.Method, SplitRandom, SplitSpatial)
	}
	for _, f := range []struct {
		name  string
		value float64
	}{{"--valid-fraction", o.ValidFraction}, {"--test-fraction", o.TestFraction}} {
		if !(f.value > 0 && f.value < 1) {
			return optionError("%s %v: use a share between 0 and 1, such as 0.1", f.name, f.value)
		}
	}
	if o.ValidFraction+o.TestFraction > 0.9 {
		return optionError("--valid-fraction %v and --test-fraction %v leave less than 10%% of the rows for training", o.ValidFraction, o.TestFraction)
	}
	if o.Method == SplitSpatial && !(o.BlockKm > 0 && !math.IsInf(o.BlockKm, 0)) {
		return optionError("a spatial split needs --block-km, the grid cell edge in km (for example 10), larger than the distance over which neighbouring rows are alike")
	}
	return nil
}

// partSizes returns the row counts of a random split of n rows, holding
// out the given shares (a zero share holds out nothing). A held-out part
// gets at least minHeldOutRows rows.
func partSizes(n int, validShare, testShare float64) (train, valid, test int) {
	heldOutSize := func(share float64) int {
		if share == 0 {
			return 0
		}
		return max(int(math.Round(share*float64(n))), minHeldOutRows)
	}
	valid, test = heldOutSize(validShare), heldOutSize(testShare)
	return n - valid - test, valid, test
}

// minRowsFor returns the smallest row count that partSizes splits with at
// least minTrainRows training rows.
func minRowsFor(validShare, testShare float64) int {
	for n := 1; ; n++ {
		if train, _, _ := partSizes(n, validShare, testShare); train >= minTrainRows {
			return n
		}
	}
}

// tooFewRowsError explains why n rows cannot be split.
func tooFewRowsError(file string, n int, validShare, testShare float64) error {
	need := minRowsFor(validShare, testShare)
	var parts []string
	parts = append(parts, fmt.Sprintf("%d training", minTrainRows))
	if validShare > 0 {
		parts = append(parts, fmt.Sprintf("%d validation", minHeldOutRows))
	}
	if testShare > 0 {
		parts = append(parts, fmt.Sprintf("%d test", minHeldOutRows))
	}
	return &ParseError{
		File: file, Err: ErrTooFewRows,
		Detail: fmt.Sprintf("%s, but splitting them needs at least %d: at least %s rows, so that R² is defined on each held-out part",
			countRows(n, "usable data row"), need, strings.Join(parts, ", ")),
		Hint: "add rows, or give separate --valid and --test files",
	}
}

// splitRandom shuffles the row indexes 0..n-1 with the seed and deals them
// out; each part keeps the file's row order.
func splitRandom(n int, validShare, testShare float64, seed uint64) (train, valid, test []int) {
	_, nValid, nTest := partSizes(n, validShare, testShare)
	perm := newShuffler(seed).perm(n)
	valid = slices.Clone(perm[:nValid])
	test = slices.Clone(perm[nValid : nValid+nTest])
	train = slices.Clone(perm[nValid+nTest:])
	slices.Sort(train)
	slices.Sort(valid)
	slices.Sort(test)
	return train, valid, test
}

// shuffler draws from PCG with a fixed stream. The bounded draws and the
// shuffle are written here rather than taken from math/rand/v2, so that a
// seed gives the same split on every Go version.
type shuffler struct{ pcg *rand.PCG }

// splitStream separates split draws from other uses of the same seed.
const splitStream = 0x68726d672d73706c // "hrmg-spl"

func newShuffler(seed uint64) *shuffler {
	return &shuffler{rand.NewPCG(seed, splitStream)}
}

// intn returns a uniform integer in [0, n) by Lemire's multiply-and-reject
// method.
func (s *shuffler) intn(n int) int {
	bound := uint64(n)
	hi, lo := bits.Mul64(s.pcg.Uint64(), bound)
	if lo < bound {
		threshold := -bound % bound
		for lo < threshold {
			hi, lo = bits.Mul64(s.pcg.Uint64(), bound)
		}
	}
	return int(hi)
}

// perm returns a Fisher–Yates shuffle of 0..n-1.
func (s *shuffler) perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := s.intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// meanEarthRadiusKm is the IUGG mean Earth radius.
const meanEarthRadiusKm = 6371.0088

// kmPerDegree is the length of one degree of latitude on the mean sphere,
// about 111.2 km.
const kmPerDegree = meanEarthRadiusKm * math.Pi / 180

// gridCell identifies a spatial block: a band of latitude and a column of
// longitude within that band.
type gridCell struct{ band, col int64 }

// cellOf places a coordinate in a grid of blocks about blockKm on each
// side. Bands are blockKm of latitude. Within a band the longitude step is
// widened by 1/cos(latitude at the band's centre), so blocks stay about
// square away from the equator.
func cellOf(lat, lon, blockKm float64) gridCell {
	dLat := blockKm / kmPerDegree
	band := math.Floor(lat / dLat)
	centre := (band + 0.5) * dLat * math.Pi / 180
	dLon := blockKm / (kmPerDegree * math.Max(math.Cos(centre), 1e-6))
	return gridCell{int64(band), int64(math.Floor((lon + 180) / dLon))}
}

// maxRebalancePasses bounds the passes that move cells between parts.
const maxRebalancePasses = 20

// spatialResult is a spatial split with the block count of each part.
type spatialResult struct {
	train, valid, test []int
	blocks             [3]int
}

// splitSpatial assigns whole grid cells to parts, so no cell is divided.
// The cells are put in a fixed order and shuffled with the seed. Each cell
// in turn goes to the part furthest below its target row count. Then
// single cells move between parts while that brings the row counts closer
// to the targets.
func splitSpatial(lat, lon []float64, blockKm, validShare, testShare float64, seed uint64) spatialResult {
	n := len(lat)
	members := make(map[gridCell][]int)
	for i := range n {
		c := cellOf(lat[i], lon[i], blockKm)
		members[c] = append(members[c], i)
	}
	cells := make([]gridCell, 0, len(members))
	for c := range members {
		cells = append(cells, c)
	}
	slices.SortFunc(cells, func(a, b gridCell) int {
		return cmp.Or(cmp.Compare(a.band, b.band), cmp.Compare(a.col, b.col))
	})
	order := newShuffler(seed).perm(len(cells))

	target := [3]float64{(1 - validShare - testShare) * float64(n), validShare * float64(n), testShare * float64(n)}
	var count [3]float64
	assign := make([]int, len(cells))

	// Deal the cells in shuffled order, each to the part furthest below
	// its target row count.
	for _, k := range order {
		size := float64(len(members[cells[k]]))
		best := -1
		for p := range 3 {
			if target[p] > 0 && (best < 0 || target[p]-count[p] > target[best]-count[best]) {
				best = p
			}
		}
		assign[k] = best
		count[best] += size
	}

	// Then move single cells, in the same order, while a move brings the
	// row counts closer to the targets (in summed squared difference). Big
	// cells dealt late can overshoot a small part; this repairs most of it.
	sq := func(x float64) float64 { return x * x }
	for pass, moved := 0, true; moved && pass < maxRebalancePasses; pass++ {
		moved = false
		for _, k := range order {
			size := float64(len(members[cells[k]]))
			from := assign[k]
			for to := range 3 {
				if to == from || target[to] == 0 {
					continue
				}
				before := sq(count[from]-target[from]) + sq(count[to]-target[to])
				after := sq(count[from]-size-target[from]) + sq(count[to]+size-target[to])
				if after < before {
					assign[k] = to
					count[from] -= size
					count[to] += size
					moved = true
					break
				}
			}
		}
	}

	var res spatialResult
	parts := [3]*[]int{&res.train, &res.valid, &res.test}
	for k, c := range cells {
		p := assign[k]
		*parts[p] = append(*parts[p], members[c]...)
		res.blocks[p]++
	}
	for _, p := range parts {
		slices.Sort(*p)
	}
	return res
}

// DetectCoordinates finds the latitude and longitude columns by name, for
// a spatial split or a map. A name matches when it, or one of its parts
// between non-alphanumeric characters, is lat or latitude (lon, lng, long
// or longitude), ignoring case. It returns "" where no single column
// matches.
func DetectCoordinates(columns []string) (lat, lon string) {
	find := func(words ...string) string {
		var exact, partial []string
		for _, c := range columns {
			lc := strings.ToLower(c)
			if slices.Contains(words, lc) {
				exact = append(exact, c)
				continue
			}
			tokens := strings.FieldsFunc(lc, func(r rune) bool {
				return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
			})
			for _, t := range tokens {
				if slices.Contains(words, t) {
					partial = append(partial, c)
					break
				}
			}
		}
		switch {
		case len(exact) == 1:
			return exact[0]
		case len(exact) == 0 && len(partial) == 1:
			return partial[0]
		}
		return ""
	}
	return find("lat", "latitude"), find("lon", "lng", "long", "longitude")
}

// coordinates returns the rows' latitudes and longitudes, checking that
// every row has both and that they are degrees.
func coordinates(t *Table, latName, lonName string) (lat, lon []float64, err error) {
	if latName == "" || lonName == "" {
		dLat, dLon := DetectCoordinates(t.Columns())
		if latName == "" {
			latName = dLat
		}
		if lonName == "" {
			lonName = dLon
		}
	}
	if latName == "" || lonName == "" {
		return nil, nil, &ParseError{
			File: t.Name(), Line: 1, Err: ErrMissingColumn,
			Detail: "a spatial split needs latitude and longitude columns, and none (or more than one) is named like lat/latitude and lon/lng/longitude",
			Hint:   "name them with --lat and --lon; the header has " + listNames(t.Columns(), 12),
		}
	}
	for _, c := range []struct {
		name  string
		limit float64
		out   *[]float64
	}{{latName, 90, &lat}, {lonName, 180, &lon}} {
		col, err := t.mustColumn(c.name)
		if err != nil {
			return nil, nil, err
		}
		if col.kind != Numeric {
			return nil, nil, &ParseError{File: t.Name(), Line: 1, Column: c.name, Err: ErrCoordinate, Detail: "the column contains text, not numbers", Hint: "give coordinates in decimal degrees"}
		}
		values, _ := t.Numbers(c.name)
		for i, v := range values {
			if math.IsNaN(v) {
				return nil, nil, &ParseError{
					File: t.Name(), Line: t.Line(i), Column: c.name, Err: ErrCoordinate,
					Detail: "the coordinate is missing", Hint: "a spatial split needs coordinates on every row: fill them in or leave the row out",
				}
			}
			if math.Abs(v) > c.limit {
				return nil, nil, &ParseError{
					File: t.Name(), Line: t.Line(i), Column: c.name, Value: t.columns[t.index[c.name]].text(t.stored(i)), Err: ErrCoordinate,
					Detail: fmt.Sprintf("outside ±%v degrees", c.limit),
					Hint:   "give coordinates in decimal degrees (projected metres are not supported), and check that --lat and --lon are not swapped",
				}
			}
		}
		*c.out = values
	}
	return lat, lon, nil
}

// countRows writes n with the noun, in the plural unless n is 1.
func countRows(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
