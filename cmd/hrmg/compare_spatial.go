package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/hrmg/hrmg/data"
)

// pooledFile is the name of the file, in the spatial split's directory,
// that holds every usable row of the main split for the spatial split.
const pooledFile = "pooled-rows.csv"

// Rules for deriving the spatial split's block edge when --block-km is not
// given.
const (
	// minBlocksPerPart is the fewest grid cells a held-out part may get, so
	// that its score averages over several separate areas.
	minBlocksPerPart = 30
	// maxShareError is how far a part's row count may be from its target
	// share, relative to that share.
	maxShareError = 0.25
	// extentDivisions caps the first block edge tried at the diagonal of the
	// rows' bounding box divided by this.
	extentDivisions = 10
	// minDerivedBlockKm is the smallest block edge tried, in km.
	minDerivedBlockKm = 0.1
)

// coordinateColumns returns the latitude and longitude columns of t: the
// ones named by the flags, else the ones detected by name. It returns
// empty names and the reason when t has no usable pair.
func coordinateColumns(t *data.Table, latFlag, lonFlag string) (lat, lon, reason string) {
	lat, lon = latFlag, lonFlag
	if lat == "" || lon == "" {
		dLat, dLon := data.DetectCoordinates(t.Columns())
		lat, lon = cmpOr(lat, dLat), cmpOr(lon, dLon)
	}
	if lat == "" || lon == "" {
		return "", "", "the table has no latitude and longitude columns (none is named lat or latitude, and lon, lng or longitude); name them with --lat and --lon"
	}
	for _, c := range []string{lat, lon} {
		switch {
		case !t.Has(c):
			return "", "", fmt.Sprintf("the coordinate column %q is not in %s", c, t.Name())
		case t.Kind(c) != data.Numeric:
			return "", "", fmt.Sprintf("the coordinate column %q holds text, not decimal degrees", c)
		}
	}
	return lat, lon, ""
}

// badCoordinate returns where the first row of the tables without a usable
// coordinate is and what is wrong with it, or "" when every row has a
// latitude within ±90 and a longitude within ±180 degrees.
func badCoordinate(lat, lon string, tables ...*data.Table) string {
	for _, t := range tables {
		for _, c := range []struct {
			name  string
			limit float64
		}{{lat, 90}, {lon, 180}} {
			values, err := t.Numbers(c.name)
			if err != nil {
				return err.Error()
			}
			for i, v := range values {
				switch {
				case math.IsNaN(v):
					return fmt.Sprintf("%s line %d has no %s", t.Name(), t.Line(i), c.name)
				case math.Abs(v) > c.limit:
					return fmt.Sprintf("%s line %d has %s %v, outside ±%v degrees", t.Name(), t.Line(i), c.name, v, c.limit)
				}
			}
		}
	}
	return ""
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// spatialSplit is the spatial repeat of the comparison.
type spatialSplit struct {
	splits  *data.Splits
	blockKm float64
	// derived is true when the block edge was chosen from the rows rather
	// than given with --block-km.
	derived bool
	pooled  string
	rows    int
}

// loadSpatial pools the main split's rows into dir/pooledFile and splits
// them into whole grid cells of blockKm, or of a derived edge when blockKm
// is 0: the largest of blockCandidates whose split passes unbalanced. The
// fractions and the seed are those of the main split's options. It returns
// nil and no error when no derived edge gives a usable split.
func loadSpatial(ctx context.Context, main *data.Splits, load data.LoadOptions, lat, lon string, blockKm float64, dir string, log *slog.Logger) (*spatialSplit, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create the spatial split's directory: %w", err)
	}
	pooled := filepath.Join(dir, pooledFile)
	if err := writeTablesCSV(pooled, main.Train, main.Valid, main.Test); err != nil {
		return nil, fmt.Errorf("pool the rows for the spatial split: %w", err)
	}
	rows := main.Train.Len() + main.Valid.Len() + main.Test.Len()
	spatialLoad := data.LoadOptions{
		Train:  pooled,
		Read:   readBackOptions(main.Train),
		Select: load.Select,
		Split: data.SplitOptions{
			Method:        data.SplitSpatial,
			ValidFraction: load.Split.ValidFraction,
			TestFraction:  load.Split.TestFraction,
			Seed:          load.Split.Seed,
			Lat:           lat,
			Lon:           lon,
		},
	}
	out := &spatialSplit{pooled: pooled, rows: rows}

	if blockKm > 0 {
		spatialLoad.Split.BlockKm = blockKm
		s, err := data.Load(ctx, spatialLoad)
		if err != nil {
			return nil, loadError(fmt.Errorf("spatial split: %w", err))
		}
		out.splits, out.blockKm = s, blockKm
		return out, nil
	}

	candidates, err := blockCandidates(main, lat, lon)
	if err != nil {
		return nil, err
	}
	for _, km := range candidates {
		spatialLoad.Split.BlockKm = km
		s, err := data.Load(ctx, spatialLoad)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			log.Debug("block edge rejected", "block_km", km, "error", err)
			continue
		}
		if reason := unbalanced(s, load.Split); reason != "" {
			log.Debug("block edge rejected", "block_km", km, "reason", reason)
			continue
		}
		out.splits, out.blockKm, out.derived = s, km, true
		return out, nil
	}
	return nil, nil
}

// unbalanced returns why a spatial split is too coarse to use: a held-out
// part with fewer than minBlocksPerPart cells, or a part whose row count is
// more than maxShareError away from its target share. It returns "" for a
// usable split.
func unbalanced(s *data.Splits, split data.SplitOptions) string {
	total := float64(s.Train.Len() + s.Valid.Len() + s.Test.Len())
	validShare, testShare := cmpOrFloat(split.ValidFraction, 0.1), cmpOrFloat(split.TestFraction, 0.1)
	for _, part := range []struct {
		name   string
		blocks int
		rows   int
		share  float64
	}{
		{"validation", s.Blocks[1], s.Valid.Len(), validShare},
		{"test", s.Blocks[2], s.Test.Len(), testShare},
	} {
		if part.blocks < minBlocksPerPart {
			return fmt.Sprintf("the %s part has %d grid cells, fewer than %d", part.name, part.blocks, minBlocksPerPart)
		}
		want := part.share * total
		if math.Abs(float64(part.rows)-want) > maxShareError*want {
			return fmt.Sprintf("the %s part has %d rows, more than %.0f%% away from %.0f", part.name, part.rows, maxShareError*100, want)
		}
	}
	return ""
}

func cmpOrFloat(a, b float64) float64 {
	if a != 0 {
		return a
	}
	return b
}

// blockCandidates returns the block edges to try, largest first: 1, 2 and
// 5 times powers of ten, from the largest not above the rows' bounding-box
// diagonal divided by extentDivisions, down to minDerivedBlockKm.
func blockCandidates(s *data.Splits, latName, lonName string) ([]float64, error) {
	var lats, lons []float64
	for _, t := range []*data.Table{s.Train, s.Valid, s.Test} {
		lat, err := t.Numbers(latName)
		if err != nil {
			return nil, loadError(err)
		}
		lon, err := t.Numbers(lonName)
		if err != nil {
			return nil, loadError(err)
		}
		for i := range lat {
			if !math.IsNaN(lat[i]) && !math.IsNaN(lon[i]) {
				lats, lons = append(lats, lat[i]), append(lons, lon[i])
			}
		}
	}
	if len(lats) == 0 {
		return nil, dataError(fmt.Errorf("%s: every row's %s or %s is missing, so no spatial split can be made", s.Train.Name(), latName, lonName))
	}
	diagonal := diagonalKm(lats, lons)
	largest := diagonal / extentDivisions
	var out []float64
	for exp := math.Floor(math.Log10(math.Max(largest, minDerivedBlockKm))); exp >= math.Log10(minDerivedBlockKm)-1e-9; exp-- {
		for _, m := range []float64{5, 2, 1} {
			km := m * math.Pow(10, exp)
			km = math.Round(km*1e6) / 1e6
			if km <= largest && km >= minDerivedBlockKm-1e-12 {
				out = append(out, km)
			}
		}
	}
	if len(out) == 0 {
		out = []float64{minDerivedBlockKm}
	}
	return out, nil
}

// diagonalKm returns the length of the diagonal of the coordinates'
// bounding box in km, with the east–west side measured at its middle
// latitude on a sphere of the Earth's mean radius.
func diagonalKm(lats, lons []float64) float64 {
	const kmPerDegree = 6371.0088 * math.Pi / 180
	latLo, latHi := slices.Min(lats), slices.Max(lats)
	lonLo, lonHi := slices.Min(lons), slices.Max(lons)
	ns := (latHi - latLo) * kmPerDegree
	ew := (lonHi - lonLo) * kmPerDegree * math.Cos((latHi+latLo)/2*math.Pi/180)
	return math.Hypot(ns, ew)
}
