package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// residualClipQuantile sets the residual map's colour range: residuals
// beyond this quantile of |residual| get the end colours, so that a few
// large errors do not wash out the rest.
const residualClipQuantile = 0.98

// mapPanelWidth is the width of a map's plot, without its colour bar.
const mapPanelWidth = 6.5 * vg.Inch

// residualMap draws the test rows at their coordinates, coloured by the
// first run's residual on a diverging scale centred on zero.
func (r *Report) residualMap(s *Split, m *Model) (*Figure, error) {
	if len(m.Runs) == 0 || len(m.Runs[0].Pred) != len(s.Truth) || len(s.Lat) != len(s.Truth) {
		return nil, fmt.Errorf("%s: no test predictions with coordinates, so no residual map", m.Name)
	}
	res := residuals(s.Truth, m.Runs[0].Pred)
	abs := make([]float64, len(res))
	for i, v := range res {
		abs[i] = math.Abs(v)
	}
	limit := quantile(abs, residualClipQuantile)
	if !(limit > 0) {
		limit = 1
	}
	colors := moreland.SmoothBlueRed()
	colors.SetMin(-limit)
	colors.SetMax(limit)

	unit := r.TargetUnit()
	title := fmt.Sprintf("%s%s residuals on the map, test rows, %s", m.Name, seedLabel(m), s.Name)
	p, err := mapPlot(title, s.Lat, s.Lon, res, colors, func(v float64) float64 { return math.Abs(v) })
	if err != nil {
		return nil, fmt.Errorf("%s: residual map: %w", m.Name, err)
	}
	bar := colorBarPlot(colors, fmt.Sprintf("residual = actual − predicted (%s)", unit))
	return &Figure{
		File: "residual-map-" + m.Key + ".png",
		Caption: fmt.Sprintf("%s%s on the %s: test rows at their coordinates, red where the model predicts too low and blue where it predicts too high; colours stop at ±%s %s (the %.0fth percentile of |residual|).",
			m.Name, seedLabel(m), s.Name, formatNumber(roundSignificant(limit, 3)), unit, residualClipQuantile*100),
		Panels:   [][]*plot.Plot{{p}},
		ColorBar: bar,
		Width:    mapPanelWidth + colorBarWidth,
		Height:   mapHeight(s.Lat, s.Lon),
	}, nil
}

// ponderMap draws the test rows at their coordinates, coloured by the
// first run's ponder steps.
func (r *Report) ponderMap(s *Split, m *Model) (*Figure, error) {
	steps := m.Runs[0].Steps
	if len(steps) != len(s.Lat) {
		return nil, fmt.Errorf("%s: ponder steps do not match the test rows, so no ponder map", m.Name)
	}
	lo, hi := slices.Min(steps), slices.Max(steps)
	if !(hi > lo) {
		return nil, fmt.Errorf("%s: every test row used %.4g ponder steps, so the ponder map is left out (the histogram shows it)", m.Name, lo)
	}
	colors, err := sequentialColors()
	if err != nil {
		return nil, err
	}
	colors.SetMin(lo)
	colors.SetMax(hi)
	title := fmt.Sprintf("%s%s ponder steps on the map, test rows, %s", m.Name, seedLabel(m), s.Name)
	p, err := mapPlot(title, s.Lat, s.Lon, steps, colors, func(v float64) float64 { return v })
	if err != nil {
		return nil, fmt.Errorf("%s: ponder map: %w", m.Name, err)
	}
	bar := colorBarPlot(colors, "ponder steps (high-level cycles)")
	return &Figure{
		File:     "ponder-map-" + m.Key + ".png",
		Caption:  fmt.Sprintf("%s%s on the %s: test rows at their coordinates, coloured by the number of high-level cycles they used.", m.Name, seedLabel(m), s.Name),
		Panels:   [][]*plot.Plot{{p}},
		ColorBar: bar,
		Width:    mapPanelWidth + colorBarWidth,
		Height:   mapHeight(s.Lat, s.Lon),
	}, nil
}

// sequentialColors returns a colour map from dark purple to yellow, with
// luminance rising along it (anchors from the viridis palette).
func sequentialColors() (palette.ColorMap, error) {
	return moreland.NewLuminance([]color.Color{
		color.NRGBA{68, 1, 84, 255},
		color.NRGBA{59, 82, 139, 255},
		color.NRGBA{33, 145, 140, 255},
		color.NRGBA{94, 201, 98, 255},
		color.NRGBA{253, 231, 37, 255},
	})
}

// mapPlot scatters the rows at (lon, lat) coloured by value. Rows are drawn
// in increasing order of rank(value), so the rows that matter most end up
// on top.
func mapPlot(title string, lat, lon, value []float64, colors palette.ColorMap, rank func(float64) float64) (*plot.Plot, error) {
	order := make([]int, 0, len(lat))
	for i := range lat {
		if isFinite(lat[i]) && isFinite(lon[i]) && isFinite(value[i]) {
			order = append(order, i)
		}
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("no row has finite coordinates and value")
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ra, rb := rank(value[a]), rank(value[b])
		switch {
		case ra < rb:
			return -1
		case ra > rb:
			return 1
		}
		return 0
	})

	xys := make(plotter.XYs, len(order))
	for k, i := range order {
		xys[k] = plotter.XY{X: lon[i], Y: lat[i]}
	}
	points, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, err
	}
	radius := markerRadius(len(order)) + vg.Points(0.6)
	points.GlyphStyleFunc = func(k int) draw.GlyphStyle {
		v := math.Max(colors.Min(), math.Min(colors.Max(), value[order[k]]))
		c, err := colors.At(v)
		if err != nil {
			c = color.Black
		}
		return draw.GlyphStyle{Color: c, Radius: radius, Shape: draw.CircleGlyph{}}
	}

	p := newPlot(title, "longitude (degrees east)", "latitude (degrees north)")
	p.Add(plotter.NewGrid(), points)
	latLo, latHi := padRange(slices.Min(lat), slices.Max(lat), 0.03)
	lonLo, lonHi := padRange(slices.Min(lon), slices.Max(lon), 0.03)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lonLo, lonHi, latLo, latHi
	return p, nil
}

// colorBarPlot returns a vertical colour bar for colors, labelled with
// what the colours mean and their unit.
func colorBarPlot(colors palette.ColorMap, label string) *plot.Plot {
	p := newPlot("", "", label)
	p.Add(&plotter.ColorBar{ColorMap: colors, Vertical: true})
	p.HideX()
	p.Y.Padding = 0
	return p
}

// mapHeight returns a map figure's height for the coordinates' extent, so
// that a km east–west and a km north–south look about as long. It is
// bounded between 0.6 and 1.5 times the map's width.
func mapHeight(lat, lon []float64) vg.Length {
	latSpan := slices.Max(lat) - slices.Min(lat)
	midLat := (slices.Max(lat) + slices.Min(lat)) / 2
	lonSpan := (slices.Max(lon) - slices.Min(lon)) * math.Cos(midLat*math.Pi/180)
	ratio := 1.0
	if latSpan > 0 && lonSpan > 0 {
		ratio = latSpan / lonSpan
	}
	ratio = math.Max(0.6, math.Min(1.5, ratio))
	// The title and the axis labels take about an inch of the height.
	return vg.Length(ratio)*(mapPanelWidth-0.8*vg.Inch) + 1.0*vg.Inch
}

// quantile returns the q-quantile of xs by linear interpolation between
// order statistics; NaN for no values.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	pos := q * float64(len(sorted)-1)
	i := int(math.Floor(pos))
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	frac := pos - float64(i)
	return sorted[i] + frac*(sorted[i+1]-sorted[i])
}

// formatNumber writes v in its shortest form, with thousands separators
// when it is whole and at least 10,000.
func formatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) >= 1e4 && math.Abs(v) < 1e15 {
		return groupThousands(int64(v))
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// roundSignificant rounds v to digits significant digits.
func roundSignificant(v float64, digits int) float64 {
	if v == 0 || !isFinite(v) {
		return v
	}
	scale := math.Pow(10, float64(digits-1-int(math.Floor(math.Log10(math.Abs(v))))))
	return math.Round(v*scale) / scale
}
